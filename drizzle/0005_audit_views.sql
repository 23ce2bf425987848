-- Read models for auditors and Grafana: each view answers one kind of question, and its name says which.
-- Money stays in integer micro-units (*_micros, like the tables); micros_to_decimal() turns a column into
-- dollars or shares for display. docs/audit-queries.md shows them in use (and a test runs those queries).

CREATE FUNCTION micros_to_decimal(micros bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT round(micros::numeric / 1000000, 6)
$$;
--> statement-breakpoint
CREATE VIEW v_trades AS
SELECT f.seq                AS fill_seq,
       f.fill_id,
       f.created_at         AS ts,
       f.kind,
       f.agent_id,
       a.strategy,
       f.market_id,
       m.question           AS market_question,
       m.category           AS market_category,
       f.token_id,
       f.side,
       f.price_micros,
       f.size_micros,
       f.fee_micros,
       f.cash_delta_micros,
       f.realized_pnl_micros,
       f.client_order_id,
       f.intent_id,
       o.intent_reason,
       o.order_type,
       o.limit_price_micros,
       o.size_micros        AS order_size_micros,
       o.status             AS order_status,
       o.reason             AS order_reason,
       o.venue,
       f.ledger_txn_id
FROM fills f
LEFT JOIN agents a  ON a.id = f.agent_id
LEFT JOIN markets m ON m.market_id = f.market_id
LEFT JOIN orders o  ON o.client_order_id = f.client_order_id;
--> statement-breakpoint
COMMENT ON VIEW v_trades IS 'Every fill (kind = trade, or settlement at resolution) with its agent, strategy, market, and the order behind it: the intent''s reason, the order''s limit, status and reason. An order that filled passed every risk check.';
--> statement-breakpoint
CREATE VIEW v_agent_performance_daily AS
SELECT f.agent_id,
       a.strategy,
       (f.created_at AT TIME ZONE 'UTC')::date                                          AS day,
       count(*)                                                                         AS fills,
       count(*) FILTER (WHERE f.kind = 'trade')                                         AS trades,
       count(*) FILTER (WHERE f.kind = 'settlement')                                    AS settlements,
       COALESCE(sum(round(f.price_micros::numeric * f.size_micros / 1000000))
                FILTER (WHERE f.kind = 'trade'), 0)::bigint                             AS volume_micros,
       sum(f.fee_micros)::bigint                                                        AS fees_micros,
       sum(f.realized_pnl_micros)::bigint                                               AS realized_pnl_micros,
       (sum(f.realized_pnl_micros) - sum(f.fee_micros))::bigint                         AS realized_pnl_after_fees_micros,
       sum(f.cash_delta_micros)::bigint                                                 AS net_cash_flow_micros
FROM fills f
LEFT JOIN agents a ON a.id = f.agent_id
GROUP BY f.agent_id, a.strategy, (f.created_at AT TIME ZONE 'UTC')::date;
--> statement-breakpoint
COMMENT ON VIEW v_agent_performance_daily IS 'Per agent and UTC day: fills, trades, settlements, traded volume (price x size), fees, realized PnL before and after fees, and net cash flow (the sum of cash deltas).';
--> statement-breakpoint
CREATE VIEW v_open_exposure AS
SELECT p.agent_id,
       a.strategy,
       p.market_id,
       m.question                                                        AS market_question,
       m.category                                                        AS market_category,
       p.token_id,
       p.size_micros,
       p.cost_micros,
       round(p.cost_micros::numeric * 1000000 / p.size_micros)::bigint   AS avg_price_micros,
       p.realized_pnl_micros,
       p.updated_at
FROM positions p
LEFT JOIN agents a  ON a.id = p.agent_id
LEFT JOIN markets m ON m.market_id = p.market_id
WHERE p.size_micros > 0;
--> statement-breakpoint
COMMENT ON VIEW v_open_exposure IS 'Open positions at cost, per agent, market (with its category) and token.';
--> statement-breakpoint
CREATE VIEW v_risk_denials AS
SELECT r.id,
       r.ts,
       r.agent_id,
       a.strategy,
       r.intent_id,
       r.code,
       r.detail ->> 'message'  AS message,
       r.detail ->> 'marketId' AS market_id,
       r.detail
FROM risk_events r
LEFT JOIN agents a ON a.id = r.agent_id;
--> statement-breakpoint
COMMENT ON VIEW v_risk_denials IS 'Intents the pre-trade risk gate denied, with the code, the message and the agent''s strategy.';
--> statement-breakpoint
CREATE VIEW v_audit_findings AS
SELECT f.ts,
       f.severity,
       CASE f.severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END AS severity_rank,
       f.rule,
       f.agent_id,
       a.strategy,
       f.ref_id,
       f.detail,
       f.id
FROM audit_findings f
LEFT JOIN agents a ON a.id = f.agent_id
ORDER BY f.ts DESC, f.id;
--> statement-breakpoint
COMMENT ON VIEW v_audit_findings IS 'Failed auditor checks, newest first, with the agent''s strategy; severity_rank orders critical (3) > warning (2) > info (1).';
--> statement-breakpoint
-- Roots are agents without a parent, or whose parent row is gone; the path guard stops a (corrupt) cycle.
CREATE VIEW v_agent_lineage AS
WITH RECURSIVE lineage AS (
  SELECT a.id, a.id AS root_id, 0 AS depth, ARRAY[a.id] AS path_ids
  FROM agents a
  WHERE a.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM agents p WHERE p.id = a.parent_id)
  UNION ALL
  SELECT c.id, l.root_id, l.depth + 1, l.path_ids || c.id
  FROM agents c
  JOIN lineage l ON c.parent_id = l.id
  WHERE c.id <> ALL (l.path_ids)
)
SELECT a.id                                 AS agent_id,
       a.strategy,
       a.status,
       a.parent_id,
       a.generation,
       l.root_id,
       l.depth,
       l.path_ids,
       array_to_string(l.path_ids, ' > ')   AS path,
       a.created_at
FROM lineage l
JOIN agents a ON a.id = l.id;
--> statement-breakpoint
COMMENT ON VIEW v_agent_lineage IS 'Every agent with its parent, generation, root ancestor, depth below the root and the path from the root (root > ... > agent).';
--> statement-breakpoint
CREATE VIEW v_ledger_balances AS
SELECT e.account,
       CASE WHEN e.account LIKE 'agent:%' THEN split_part(e.account, ':', 2) END         AS agent_id,
       CASE WHEN e.account LIKE 'agent:%' THEN split_part(e.account, ':', 3)
            ELSE split_part(e.account, ':', 2) END                                      AS account_kind,
       sum(e.amount_micros)::bigint                                                     AS balance_micros,
       count(*)                                                                         AS entries,
       max(e.created_at)                                                                AS last_posted_at
FROM ledger_entries e
GROUP BY e.account;
--> statement-breakpoint
COMMENT ON VIEW v_ledger_balances IS 'Balance of every ledger account (debit positive, credit negative), with the agent and account kind (cash, positions, pnl, capital, fees) split out of its name. All balances sum to zero.';
--> statement-breakpoint
CREATE VIEW v_lifecycle AS
SELECT l.id,
       l.ts,
       l.app,
       l.agent_id,
       a.strategy,
       l.kind,
       l.detail
FROM lifecycle_events l
LEFT JOIN agents a ON a.id = l.agent_id;
--> statement-breakpoint
COMMENT ON VIEW v_lifecycle IS 'Process lifecycle events (started, restarted_hung, restarted_changed, stopped, config_error, config_fixed) with the agent''s strategy.';
--> statement-breakpoint
-- Views are read models for everyone: the default privileges of 0004 would also hand floor_app INSERT, UPDATE
-- and DELETE on them, which means nothing for these views and is taken back to keep the grants honest.
REVOKE INSERT, UPDATE, DELETE ON v_trades, v_agent_performance_daily, v_open_exposure, v_risk_denials,
  v_audit_findings, v_agent_lineage, v_ledger_balances, v_lifecycle FROM floor_app;
--> statement-breakpoint
GRANT SELECT ON v_trades, v_agent_performance_daily, v_open_exposure, v_risk_denials,
  v_audit_findings, v_agent_lineage, v_ledger_balances, v_lifecycle TO floor_app, floor_auditor;
