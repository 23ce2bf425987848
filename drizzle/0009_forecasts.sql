CREATE TABLE "forecasts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"market_id" text NOT NULL,
	"model" text NOT NULL,
	"probability" double precision NOT NULL,
	"confidence" double precision NOT NULL,
	"prompt_hash" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cost_micros" bigint NOT NULL,
	"aggregated" boolean NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "forecasts_agent_market_ts_idx" ON "forecasts" USING btree ("agent_id","market_id","ts");--> statement-breakpoint
CREATE INDEX "forecasts_market_idx" ON "forecasts" USING btree ("market_id");