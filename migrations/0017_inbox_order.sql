DROP INDEX "conversations_inbox";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_staff_reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "waiting_since" timestamp with time zone;--> statement-breakpoint
-- what the columns were before they were kept: the last reply a person sent, and the
-- patient's oldest message after it
UPDATE "conversations" c
   SET "last_staff_reply_at" = s.at,
       "waiting_since" = (SELECT min(w.created_at) FROM messages w
                           WHERE w.conversation_id = c.id AND w.direction = 'inbound' AND w.kind = 'message'
                             AND w.created_at > coalesce(s.at, '-infinity'::timestamptz))
  FROM (SELECT c2.id, (SELECT max(r.created_at) FROM messages r
                        WHERE r.conversation_id = c2.id AND r.direction = 'outbound' AND r.kind = 'message' AND r.author_type = 'user') AS at
          FROM conversations c2) s
 WHERE s.id = c.id;--> statement-breakpoint
-- One conversation's two columns from its messages, written only when they differ. The
-- ingest function keeps them for the messages it stores; the triggers below keep them for
-- every other change of messages (a person's reply, a message moved or deleted).
CREATE OR REPLACE FUNCTION sb_conversation_waiting(p_conv uuid) RETURNS void LANGUAGE sql AS $$
  WITH s AS (
    SELECT max(r.created_at) AS at FROM messages r
     WHERE r.conversation_id = p_conv AND r.direction = 'outbound' AND r.kind = 'message' AND r.author_type = 'user'
  ), w AS (
    SELECT min(m.created_at) AS at FROM messages m, s
     WHERE m.conversation_id = p_conv AND m.direction = 'inbound' AND m.kind = 'message' AND m.created_at > coalesce(s.at, '-infinity'::timestamptz)
  )
  UPDATE conversations c SET last_staff_reply_at = s.at, waiting_since = w.at
    FROM s, w
   WHERE c.id = p_conv AND (c.last_staff_reply_at IS DISTINCT FROM s.at OR c.waiting_since IS DISTINCT FROM w.at);
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION sb_messages_waiting_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.direction = 'inbound' THEN
    -- a patient's message can only start a wait, never end one: cheap, and a no-op for what
    -- the ingest function stored (it wrote the columns with the conversation)
    UPDATE conversations c SET waiting_since = NEW.created_at
     WHERE c.id = NEW.conversation_id
       AND NEW.created_at > coalesce(c.last_staff_reply_at, '-infinity'::timestamptz)
       AND (c.waiting_since IS NULL OR c.waiting_since > NEW.created_at);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    PERFORM sb_conversation_waiting(OLD.conversation_id);
    IF NEW.conversation_id IS DISTINCT FROM OLD.conversation_id THEN
      PERFORM sb_conversation_waiting(NEW.conversation_id);
    END IF;
    RETURN NULL;
  END IF;
  -- a person's reply ends the wait for what came before it
  PERFORM sb_conversation_waiting(NEW.conversation_id);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION sb_messages_waiting_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- once per conversation a statement touched (an erasure deletes many messages at once);
  -- a conversation deleted with them has nothing to keep
  PERFORM sb_conversation_waiting(g.conversation_id)
     FROM (SELECT DISTINCT conversation_id FROM gone WHERE kind = 'message') g
    WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = g.conversation_id);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER messages_waiting_insert AFTER INSERT ON messages FOR EACH ROW
  WHEN (NEW.kind = 'message' AND (NEW.direction = 'inbound' OR NEW.author_type = 'user'))
  EXECUTE FUNCTION sb_messages_waiting_row();--> statement-breakpoint
CREATE TRIGGER messages_waiting_update AFTER UPDATE OF conversation_id, direction, kind, author_type, created_at ON messages FOR EACH ROW
  WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id OR OLD.direction IS DISTINCT FROM NEW.direction
        OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.author_type IS DISTINCT FROM NEW.author_type OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION sb_messages_waiting_row();--> statement-breakpoint
CREATE TRIGGER messages_waiting_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION sb_messages_waiting_deleted();--> statement-breakpoint
CREATE INDEX "conversations_inbox_order" ON "conversations" USING btree ("practice_id","status",(case "urgency" when 'emergency' then 0 when 'urgent' then 1 else 2 end),coalesce("sla_due_at", 'infinity'::timestamptz),coalesce("waiting_since", "created_at"),"id");--> statement-breakpoint
CREATE INDEX "conversations_inbox_order_all" ON "conversations" USING btree ("status",(case "urgency" when 'emergency' then 0 when 'urgent' then 1 else 2 end),coalesce("sla_due_at", 'infinity'::timestamptz),coalesce("waiting_since", "created_at"),"id");