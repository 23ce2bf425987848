CREATE TABLE "agents" (
	"id" text PRIMARY KEY NOT NULL,
	"strategy" text NOT NULL,
	"params" jsonb NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	"markets" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"parent_id" text,
	"generation" integer DEFAULT 0 NOT NULL,
	"source_file" text,
	"live" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_findings" (
	"id" text PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"severity" text NOT NULL,
	"rule" text NOT NULL,
	"agent_id" text,
	"ref_id" text,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" jsonb NOT NULL,
	"action" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"agent_id" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"stream_offsets" jsonb NOT NULL,
	"last_fill_seq" bigint DEFAULT 0 NOT NULL,
	"events_processed" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fills" (
	"fill_id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"kind" text NOT NULL,
	"client_order_id" text,
	"intent_id" text,
	"agent_id" text NOT NULL,
	"market_id" text NOT NULL,
	"token_id" text NOT NULL,
	"side" text NOT NULL,
	"price_micros" bigint NOT NULL,
	"size_micros" bigint NOT NULL,
	"fee_micros" bigint NOT NULL,
	"cash_delta_micros" bigint NOT NULL,
	"realized_pnl_micros" bigint NOT NULL,
	"ledger_txn_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"txn_id" text NOT NULL,
	"account" text NOT NULL,
	"agent_id" text,
	"amount_micros" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_txns" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"agent_id" text,
	"memo" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lifecycle_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"app" text NOT NULL,
	"agent_id" text,
	"kind" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "markets" (
	"market_id" text PRIMARY KEY NOT NULL,
	"question" text NOT NULL,
	"category" text NOT NULL,
	"info" jsonb NOT NULL,
	"end_date" timestamp with time zone,
	"winning_token_id" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"client_order_id" text PRIMARY KEY NOT NULL,
	"intent_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"market_id" text NOT NULL,
	"token_id" text NOT NULL,
	"side" text NOT NULL,
	"order_type" text NOT NULL,
	"limit_price_micros" bigint NOT NULL,
	"size_micros" bigint NOT NULL,
	"filled_size_micros" bigint DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"venue" text DEFAULT 'paper' NOT NULL,
	"intent_reason" text DEFAULT '' NOT NULL,
	"book_seen" jsonb,
	"ts_intent_ms" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "positions" (
	"agent_id" text NOT NULL,
	"token_id" text NOT NULL,
	"market_id" text NOT NULL,
	"size_micros" bigint NOT NULL,
	"cost_micros" bigint NOT NULL,
	"realized_pnl_micros" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "positions_agent_id_token_id_pk" PRIMARY KEY("agent_id","token_id")
);
--> statement-breakpoint
CREATE TABLE "risk_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"agent_id" text,
	"intent_id" text,
	"code" text NOT NULL,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_txn_id_ledger_txns_id_fk" FOREIGN KEY ("txn_id") REFERENCES "public"."ledger_txns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_findings_rule_idx" ON "audit_findings" USING btree ("rule");--> statement-breakpoint
CREATE UNIQUE INDEX "fills_seq_uq" ON "fills" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "fills_agent_idx" ON "fills" USING btree ("agent_id","seq");--> statement-breakpoint
CREATE INDEX "ledger_entries_account_idx" ON "ledger_entries" USING btree ("account");--> statement-breakpoint
CREATE INDEX "ledger_entries_txn_idx" ON "ledger_entries" USING btree ("txn_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_txns_kind_ref_uq" ON "ledger_txns" USING btree ("kind","ref");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_intent_id_uq" ON "orders" USING btree ("intent_id");--> statement-breakpoint
CREATE INDEX "orders_agent_idx" ON "orders" USING btree ("agent_id");