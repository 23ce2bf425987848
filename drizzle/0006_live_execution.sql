CREATE TABLE "venue_trades" (
	"trade_id" text NOT NULL,
	"venue_order_id" text NOT NULL,
	"client_order_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"market_id" text NOT NULL,
	"token_id" text NOT NULL,
	"side" text NOT NULL,
	"trader_side" text NOT NULL,
	"status" text NOT NULL,
	"price_micros" bigint NOT NULL,
	"size_micros" bigint NOT NULL,
	"fee_micros" bigint NOT NULL,
	"fee_rate_bps" integer DEFAULT 0 NOT NULL,
	"transaction_hash" text,
	"matched_at" timestamp with time zone NOT NULL,
	"venue_updated_at" timestamp with time zone,
	"fill_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "venue_trades_trade_id_venue_order_id_pk" PRIMARY KEY("trade_id","venue_order_id")
);
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "venue_order_id" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "matched_size_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "venue_open" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "venue_trades_order_idx" ON "venue_trades" USING btree ("client_order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_venue_order_id_uq" ON "orders" USING btree ("venue_order_id");--> statement-breakpoint
CREATE INDEX "orders_live_working_idx" ON "orders" USING btree ("status") WHERE venue = 'live' AND status IN ('pending_unknown', 'open');