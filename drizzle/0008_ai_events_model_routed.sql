-- The models entry each gateway request went to, by the policy's name (after a reroute, the target's).
-- model_used holds the name the upstream got, which differs when the entry has `as:`, so that
-- `detente ai events --model <policy name>` finds rerouted requests too. Events written before this
-- have NULL and are found by the other two model columns as before.
ALTER TABLE "ai_events" ADD COLUMN "model_routed" text;
