ALTER TABLE "agents" ADD COLUMN "risk" jsonb;--> statement-breakpoint
CREATE INDEX "orders_created_at_idx" ON "orders" USING btree ("created_at");