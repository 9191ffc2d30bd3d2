-- One round trip for an inbound message: find or create the patient and contact point,
-- find or reopen the conversation, store the message (a retried webhook is a no-op) with
-- its attachments, and write the triage outbox row, all in the caller's transaction.
CREATE OR REPLACE FUNCTION sb_ingest_inbound(
  p_practice_id uuid,
  p_contact_kind text,
  p_contact_value text,
  p_channel text,
  p_provider_id text,
  p_from text,
  p_to text,
  p_subject text,
  p_body text,
  p_original_body text,
  p_meta jsonb,
  p_attachments jsonb,
  p_received_at timestamptz,
  p_conversation_id uuid,
  p_patient jsonb,
  p_job_payload jsonb,
  p_reopen_days integer
) RETURNS TABLE (
  message_id uuid,
  conversation_id uuid,
  patient_id uuid,
  contact_point_id uuid,
  duplicate boolean,
  new_patient boolean
) LANGUAGE plpgsql AS $$
DECLARE
  v_message uuid;
  v_conv uuid;
  v_patient uuid;
  v_point uuid;
  v_point_patient uuid;
  v_new boolean := false;
  v_existing record;
BEGIN
  SELECT m.id, m.conversation_id, c.patient_id, m.contact_point_id INTO v_existing
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
   WHERE m.channel = p_channel AND m.provider_id = p_provider_id;
  IF FOUND THEN
    RETURN QUERY SELECT v_existing.id, v_existing.conversation_id, v_existing.patient_id, v_existing.contact_point_id, true, false;
    RETURN;
  END IF;

  SELECT cp.id, cp.patient_id INTO v_point, v_patient
    FROM contact_points cp
   WHERE cp.practice_id = p_practice_id AND cp.kind = p_contact_kind AND cp.value = p_contact_value;

  IF v_point IS NULL THEN
    IF p_patient ->> 'portalId' IS NOT NULL THEN
      SELECT p.id INTO v_patient FROM patients p
       WHERE p.practice_id = p_practice_id AND p.portal_id = p_patient ->> 'portalId';
    END IF;
    IF v_patient IS NULL THEN
      INSERT INTO patients (practice_id, first_name, last_name, date_of_birth, language, portal_id, created_at, updated_at)
      VALUES (p_practice_id, p_patient ->> 'firstName', p_patient ->> 'lastName', (p_patient ->> 'dateOfBirth')::date,
              coalesce(p_patient ->> 'language', 'en'), p_patient ->> 'portalId', p_received_at, p_received_at)
      RETURNING id INTO v_patient;
      v_new := true;
    END IF;
    INSERT INTO contact_points (practice_id, patient_id, kind, value, created_at)
    VALUES (p_practice_id, v_patient, p_contact_kind, p_contact_value, p_received_at)
    ON CONFLICT (practice_id, kind, value) DO UPDATE SET kind = excluded.kind
    RETURNING id, contact_points.patient_id INTO v_point, v_point_patient;
    -- another request created the same contact a moment ago: use its patient, drop ours
    IF v_point_patient <> v_patient THEN
      IF v_new THEN DELETE FROM patients WHERE id = v_patient; END IF;
      v_patient := v_point_patient;
      v_new := false;
    END IF;
  END IF;

  -- a merged patient's contacts lead to the surviving record
  SELECT coalesce(p.merged_into_id, p.id) INTO v_patient FROM patients p WHERE p.id = v_patient;

  IF p_conversation_id IS NOT NULL THEN
    SELECT c.id INTO v_conv FROM conversations c
     WHERE c.id = p_conversation_id AND c.practice_id = p_practice_id;
  END IF;
  IF v_conv IS NULL THEN
    SELECT c.id INTO v_conv FROM conversations c
     WHERE c.practice_id = p_practice_id AND c.patient_id = v_patient AND c.channel = p_channel
       AND (c.status <> 'resolved' OR c.resolved_at > p_received_at - make_interval(days => p_reopen_days))
     ORDER BY c.last_message_at DESC
     LIMIT 1;
  END IF;
  IF v_conv IS NULL THEN
    INSERT INTO conversations (practice_id, patient_id, channel, subject, status, last_message_at, last_inbound_at, created_at, updated_at)
    VALUES (p_practice_id, v_patient, p_channel, p_subject, 'open', p_received_at, p_received_at, p_received_at, p_received_at)
    RETURNING id INTO v_conv;
  ELSE
    -- a new patient message reopens a pending, snoozed or resolved conversation
    UPDATE conversations c
       SET status = 'open', snoozed_until = NULL, resolved_at = NULL,
           last_message_at = greatest(c.last_message_at, p_received_at),
           last_inbound_at = p_received_at, updated_at = p_received_at
     WHERE c.id = v_conv;
  END IF;

  INSERT INTO messages (practice_id, conversation_id, direction, kind, channel, provider_id, contact_point_id,
                        from_address, to_address, subject, body, original_body, status, author_type, meta, created_at)
  VALUES (p_practice_id, v_conv, 'inbound', 'message', p_channel, p_provider_id, v_point,
          p_from, p_to, p_subject, p_body, p_original_body, 'received', 'patient', coalesce(p_meta, '{}'::jsonb), p_received_at)
  ON CONFLICT (channel, provider_id) DO NOTHING
  RETURNING id INTO v_message;

  IF v_message IS NULL THEN
    -- the same provider id arrived concurrently and won
    SELECT m.id, m.conversation_id, c.patient_id, m.contact_point_id INTO v_existing
      FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.channel = p_channel AND m.provider_id = p_provider_id;
    RETURN QUERY SELECT v_existing.id, v_existing.conversation_id, v_existing.patient_id, v_existing.contact_point_id, true, false;
    RETURN;
  END IF;

  INSERT INTO message_attachments (message_id, name, content_type, size, url, content, created_at)
  SELECT v_message, a ->> 'name', coalesce(a ->> 'contentType', 'application/octet-stream'), (a ->> 'size')::integer,
         a ->> 'url', a ->> 'content', p_received_at
    FROM jsonb_array_elements(coalesce(p_attachments, '[]'::jsonb)) a;

  IF p_job_payload IS NOT NULL THEN
    INSERT INTO outbox (queue, payload, dedupe_key, status, run_at, created_at)
    VALUES ('triage', p_job_payload || jsonb_build_object('messageId', v_message), 'triage:' || v_message, 'pending', p_received_at, p_received_at)
    ON CONFLICT (dedupe_key) DO NOTHING;
  END IF;

  RETURN QUERY SELECT v_message, v_conv, v_patient, v_point, false, v_new;
END;
$$;
