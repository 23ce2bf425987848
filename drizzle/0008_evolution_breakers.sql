CREATE TABLE "breaker_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"event_ts_ms" bigint NOT NULL,
	"breaker" text NOT NULL,
	"scope" text NOT NULL,
	"transition" text NOT NULL,
	"reason" text NOT NULL,
	"numbers" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "breaker_state" (
	"id" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"open_trips" jsonb NOT NULL,
	"last_fill_seq" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evolution_decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"period" bigint NOT NULL,
	"kind" text NOT NULL,
	"agent_id" text NOT NULL,
	"reason" text NOT NULL,
	"numbers" jsonb NOT NULL,
	"lineage" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evolution_periods" (
	"period" bigint PRIMARY KEY NOT NULL,
	"period_ms" integer NOT NULL,
	"kind" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "breaker_events_scope_idx" ON "breaker_events" USING btree ("scope","id");--> statement-breakpoint
CREATE INDEX "evolution_decisions_agent_idx" ON "evolution_decisions" USING btree ("agent_id","id");--> statement-breakpoint
CREATE INDEX "evolution_decisions_period_idx" ON "evolution_decisions" USING btree ("period");--> statement-breakpoint
-- Append-only facts: the Boss's decisions and the breakers' trips and resets are never edited (0004_floor_roles).
REVOKE UPDATE, DELETE, TRUNCATE ON evolution_decisions, breaker_events FROM floor_app;
