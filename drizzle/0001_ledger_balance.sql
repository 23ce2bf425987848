-- Double-entry is enforced by the database, not only by the code: at commit, every ledger transaction
-- touched in the database transaction must sum to zero. The trigger is deferred so that a transaction's
-- postings can be inserted one row at a time.
CREATE OR REPLACE FUNCTION ledger_txn_must_balance() RETURNS trigger AS $$
DECLARE
  total numeric;
BEGIN
  SELECT COALESCE(SUM(amount_micros), 0) INTO total FROM ledger_entries WHERE txn_id = NEW.txn_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (sum % micros)', NEW.txn_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER ledger_entries_balanced
  AFTER INSERT OR UPDATE ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_txn_must_balance();
--> statement-breakpoint
-- Ledger rows are facts: corrections are new transactions, never edits.
CREATE OR REPLACE FUNCTION ledger_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
