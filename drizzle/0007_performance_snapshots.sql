CREATE TABLE "performance_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" text,
	"ts" timestamp with time zone NOT NULL,
	"equity_micros" bigint NOT NULL,
	"cash_micros" bigint NOT NULL,
	"allocated_micros" bigint NOT NULL,
	"realized_pnl_micros" bigint NOT NULL,
	"unrealized_pnl_micros" bigint NOT NULL,
	"fees_micros" bigint NOT NULL,
	"exposure_micros" bigint NOT NULL,
	"trades" integer NOT NULL,
	"positions_open" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "performance_snapshots_agent_ts_idx" ON "performance_snapshots" USING btree ("agent_id","ts");--> statement-breakpoint
CREATE INDEX "performance_snapshots_floor_ts_idx" ON "performance_snapshots" USING btree ("ts") WHERE agent_id IS NULL;