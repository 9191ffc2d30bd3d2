-- sb_ingest_inbound: one round trip for an inbound message. Finds or creates the patient
-- and contact point, finds or reopens the conversation, stores the message (a retried webhook
-- is a no-op) with its attachments, writes the triage outbox row and, for a token's post, the
-- audit row, all in the caller's transaction. Attachment bytes never come here: the caller
-- has put them in the blob store (blobKey); a provider link (Twilio media, a recording) gets
-- a `media` outbox row that fetches it.
--
-- This file is the function's one definition. Its argument is one JSON record whose shape
-- is IngestRecord in src/intake/ingest.ts (checked there with zod). To change it: edit this
-- file, then `npm run db:ingest-function`, which writes a new migration applying it; a test
-- fails while the newest migration's copy differs from this file.
CREATE OR REPLACE FUNCTION sb_ingest_inbound(p_record jsonb)
RETURNS TABLE (
  message_id uuid,
  conversation_id uuid,
  patient_id uuid,
  contact_point_id uuid,
  duplicate boolean,
  new_patient boolean
) LANGUAGE plpgsql AS $$
DECLARE
  -- the record, field by field (src/intake/ingest.ts checks it with zod before it comes here)
  p_practice_id uuid := (p_record ->> 'practiceId')::uuid;
  p_contact_kind text := p_record ->> 'contactKind';
  p_contact_value text := p_record ->> 'contactValue';
  p_channel text := p_record ->> 'channel';
  p_provider_id text := p_record ->> 'providerId';
  p_from text := p_record ->> 'from';
  p_to text := p_record ->> 'to';
  p_subject text := p_record ->> 'subject';
  p_body text := p_record ->> 'body';
  p_original_body text := p_record ->> 'originalBody';
  p_meta jsonb := coalesce(nullif(p_record -> 'meta', 'null'::jsonb), '{}'::jsonb);
  p_attachments jsonb := coalesce(nullif(p_record -> 'attachments', 'null'::jsonb), '[]'::jsonb);
  p_received_at timestamptz := (p_record ->> 'receivedAt')::timestamptz;
  p_conversation_id uuid := (p_record ->> 'conversationId')::uuid;
  p_patient jsonb := coalesce(nullif(p_record -> 'patient', 'null'::jsonb), '{}'::jsonb);
  p_job_payload jsonb := nullif(p_record -> 'jobPayload', 'null'::jsonb);
  p_reopen_days integer := coalesce((p_record ->> 'reopenDays')::integer, 7);
  p_thread_refs text[] := CASE WHEN jsonb_typeof(p_record -> 'threadRefs') = 'array' AND jsonb_array_length(p_record -> 'threadRefs') > 0
                               THEN ARRAY(SELECT jsonb_array_elements_text(p_record -> 'threadRefs')) END;
  p_reply_token text := p_record ->> 'replyToken';
  p_portal_thread text := p_record ->> 'portalThreadId';
  p_extra_contacts jsonb := CASE WHEN jsonb_typeof(p_record -> 'extraContacts') = 'array' AND jsonb_array_length(p_record -> 'extraContacts') > 0
                                 THEN p_record -> 'extraContacts' END;
  p_audit jsonb := nullif(p_record -> 'audit', 'null'::jsonb);
  p_request_id text := p_record ->> 'requestId';
  v_message uuid;
  v_conv uuid;
  v_conv_patient uuid;
  v_patient uuid;
  v_point uuid;
  v_point_patient uuid;
  v_new boolean := false;
  v_existing record;
  v_ref text;
  v_contact jsonb;
  v_portal_id text := nullif(p_record -> 'patient' ->> 'portalId', '');
BEGIN
  -- a provider id is unique per practice: the same email Message-ID can reach two practices,
  -- and each stores its own copy (never answering one with the other's ids)
  SELECT m.id, m.conversation_id, c.patient_id, m.contact_point_id INTO v_existing
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
   WHERE m.practice_id = p_practice_id AND m.channel = p_channel AND m.provider_id = p_provider_id;
  IF FOUND THEN
    RETURN QUERY SELECT v_existing.id, v_existing.conversation_id, v_existing.patient_id, v_existing.contact_point_id, true, false;
    RETURN;
  END IF;

  -- the sender: their contact point, else their portal id, else a phone or email they gave
  SELECT cp.id, cp.patient_id INTO v_point, v_patient
    FROM contact_points cp
   WHERE cp.practice_id = p_practice_id AND cp.kind = p_contact_kind AND cp.value = p_contact_value;
  IF v_patient IS NULL AND v_portal_id IS NOT NULL THEN
    SELECT p.id INTO v_patient FROM patients p WHERE p.practice_id = p_practice_id AND p.portal_id = v_portal_id;
  END IF;
  IF v_patient IS NULL AND p_extra_contacts IS NOT NULL THEN
    FOR v_contact IN SELECT * FROM jsonb_array_elements(p_extra_contacts) LOOP
      SELECT cp.patient_id INTO v_patient FROM contact_points cp
       WHERE cp.practice_id = p_practice_id AND cp.kind = v_contact ->> 'kind' AND cp.value = v_contact ->> 'value';
      EXIT WHEN v_patient IS NOT NULL;
    END LOOP;
  END IF;
  -- a merged patient's contacts lead to the surviving record
  IF v_patient IS NOT NULL THEN
    SELECT coalesce(p.merged_into_id, p.id) INTO v_patient FROM patients p WHERE p.id = v_patient;
  END IF;

  -- the conversation: given, else by the email headers, else by our reply-to token
  IF p_conversation_id IS NOT NULL THEN
    SELECT c.id, c.patient_id INTO v_conv, v_conv_patient FROM conversations c
     WHERE c.id = p_conversation_id AND c.practice_id = p_practice_id;
  END IF;
  IF v_conv IS NULL AND p_thread_refs IS NOT NULL THEN
    FOREACH v_ref IN ARRAY p_thread_refs LOOP
      SELECT m.conversation_id INTO v_conv FROM messages m
       WHERE m.practice_id = p_practice_id AND m.channel = 'email'
         AND (m.provider_id = v_ref
              OR (v_ref ~ '^<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@'
                  AND m.id = substring(v_ref from 2 for 36)::uuid AND m.direction = 'outbound'))
       LIMIT 1;
      EXIT WHEN v_conv IS NOT NULL;
    END LOOP;
  END IF;
  IF v_conv IS NULL AND p_reply_token IS NOT NULL THEN
    SELECT c.id INTO v_conv FROM conversations c WHERE c.reply_token = p_reply_token AND c.practice_id = p_practice_id;
  END IF;
  IF v_conv IS NOT NULL AND v_conv_patient IS NULL THEN
    SELECT c.patient_id INTO v_conv_patient FROM conversations c WHERE c.id = v_conv;
  END IF;
  IF v_conv IS NOT NULL AND p_conversation_id IS NULL AND v_patient IS DISTINCT FROM v_conv_patient THEN
    -- Headers and reply tokens travel with forwarded mail: a sender who is not the thread's
    -- patient never joins it (nor becomes that patient's contact, who would then get replies
    -- meant for the patient). Their message starts on its own; staff can merge the records.
    p_meta := coalesce(p_meta, '{}'::jsonb) || jsonb_build_object('threadOf', v_conv);
    v_conv := NULL;
  END IF;

  IF v_patient IS NULL THEN
    INSERT INTO patients (practice_id, first_name, last_name, date_of_birth, language, portal_id, created_at, updated_at)
    VALUES (p_practice_id, p_patient ->> 'firstName', p_patient ->> 'lastName', (p_patient ->> 'dateOfBirth')::date,
            coalesce(p_patient ->> 'language', 'en'), v_portal_id, p_received_at, p_received_at)
    ON CONFLICT (practice_id, portal_id) DO NOTHING
    RETURNING id INTO v_patient;
    IF v_patient IS NULL THEN
      -- the same portal patient was created concurrently
      SELECT coalesce(p.merged_into_id, p.id) INTO v_patient FROM patients p WHERE p.practice_id = p_practice_id AND p.portal_id = v_portal_id;
    ELSE
      v_new := true;
    END IF;
  ELSIF p_patient IS NOT NULL AND p_patient <> '{}'::jsonb THEN
    -- what the portal knows fills what we do not
    UPDATE patients p
       SET first_name = coalesce(p.first_name, p_patient ->> 'firstName'),
           last_name = coalesce(p.last_name, p_patient ->> 'lastName'),
           date_of_birth = coalesce(p.date_of_birth, (p_patient ->> 'dateOfBirth')::date),
           portal_id = CASE WHEN p.portal_id IS NULL AND v_portal_id IS NOT NULL
                             AND NOT EXISTS (SELECT 1 FROM patients o WHERE o.practice_id = p_practice_id AND o.portal_id = v_portal_id)
                            THEN v_portal_id ELSE p.portal_id END,
           updated_at = p_received_at
     WHERE p.id = v_patient
       AND (p.first_name IS NULL OR p.last_name IS NULL OR p.date_of_birth IS NULL OR (p.portal_id IS NULL AND v_portal_id IS NOT NULL));
  END IF;

  IF v_point IS NULL THEN
    INSERT INTO contact_points (practice_id, patient_id, kind, value, created_at)
    VALUES (p_practice_id, v_patient, p_contact_kind, p_contact_value, p_received_at)
    ON CONFLICT (practice_id, kind, value) DO UPDATE SET kind = excluded.kind
    RETURNING id, contact_points.patient_id INTO v_point, v_point_patient;
    -- another request created the same contact a moment ago: use its patient, drop ours
    IF v_point_patient <> v_patient THEN
      IF v_new THEN DELETE FROM patients WHERE id = v_patient; END IF;
      SELECT coalesce(p.merged_into_id, p.id) INTO v_patient FROM patients p WHERE p.id = v_point_patient;
      v_new := false;
      IF v_conv IS NOT NULL AND v_conv_patient <> v_patient THEN v_conv := NULL; END IF;
    END IF;
  END IF;

  -- the phone and email a portal message carries become the patient's contacts (never taken from another patient)
  IF p_extra_contacts IS NOT NULL THEN
    INSERT INTO contact_points (practice_id, patient_id, kind, value, created_at)
    SELECT p_practice_id, v_patient, x ->> 'kind', x ->> 'value', p_received_at
      FROM jsonb_array_elements(p_extra_contacts) x
    ON CONFLICT (practice_id, kind, value) DO NOTHING;
  END IF;

  IF v_conv IS NULL AND p_portal_thread IS NOT NULL THEN
    SELECT c.id INTO v_conv FROM conversations c
     WHERE c.practice_id = p_practice_id AND c.channel = p_channel AND c.portal_thread_id = p_portal_thread AND c.patient_id = v_patient
     ORDER BY c.last_message_at DESC
     LIMIT 1;
  ELSIF v_conv IS NULL THEN
    SELECT c.id INTO v_conv FROM conversations c
     WHERE c.practice_id = p_practice_id AND c.patient_id = v_patient AND c.channel = p_channel
       AND (c.status <> 'resolved' OR c.resolved_at > p_received_at - make_interval(days => p_reopen_days))
     ORDER BY c.last_message_at DESC
     LIMIT 1;
  END IF;
  IF v_conv IS NULL THEN
    INSERT INTO conversations (practice_id, patient_id, channel, subject, status, portal_thread_id, last_message_at, last_inbound_at, waiting_since, created_at, updated_at)
    VALUES (p_practice_id, v_patient, p_channel, p_subject, 'open', p_portal_thread, p_received_at, p_received_at, p_received_at, p_received_at, p_received_at)
    RETURNING id INTO v_conv;
  ELSE
    -- a new patient message reopens a pending, snoozed or resolved conversation
    UPDATE conversations c
       SET status = 'open', snoozed_until = NULL, resolved_at = NULL,
           last_message_at = greatest(c.last_message_at, p_received_at),
           last_inbound_at = p_received_at, updated_at = p_received_at,
           -- the patient's oldest unanswered message (the inbox sorts by it): this one, unless
           -- an earlier one still waits or a person's reply came after it
           waiting_since = CASE WHEN p_received_at > coalesce(c.last_staff_reply_at, '-infinity'::timestamptz)
                                THEN least(coalesce(c.waiting_since, p_received_at), p_received_at)
                                ELSE c.waiting_since END
     WHERE c.id = v_conv;
  END IF;

  INSERT INTO messages (practice_id, conversation_id, direction, kind, channel, provider_id, contact_point_id,
                        from_address, to_address, subject, body, original_body, status, author_type, meta, created_at)
  VALUES (p_practice_id, v_conv, 'inbound', 'message', p_channel, p_provider_id, v_point,
          p_from, p_to, p_subject, p_body, p_original_body, 'received', 'patient', coalesce(p_meta, '{}'::jsonb), p_received_at)
  ON CONFLICT (practice_id, channel, provider_id) DO NOTHING
  RETURNING id INTO v_message;

  IF v_message IS NULL THEN
    -- the same provider id arrived concurrently and won
    SELECT m.id, m.conversation_id, c.patient_id, m.contact_point_id INTO v_existing
      FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.practice_id = p_practice_id AND m.channel = p_channel AND m.provider_id = p_provider_id;
    RETURN QUERY SELECT v_existing.id, v_existing.conversation_id, v_existing.patient_id, v_existing.contact_point_id, true, false;
    RETURN;
  END IF;

  -- stored: the bytes are in the blob store already; pending: the media job fetches the link
  -- (most messages carry none: skip both statements)
  IF jsonb_array_length(p_attachments) > 0 THEN
  WITH added AS (
    INSERT INTO message_attachments (practice_id, conversation_id, message_id, kind, status, name, content_type, size,
                                     blob_key, sha256, url, error, stored_at, created_at)
    SELECT p_practice_id, v_conv, v_message, coalesce(a ->> 'kind', 'attachment'),
           CASE WHEN a ->> 'blobKey' IS NOT NULL THEN 'stored' WHEN a ->> 'url' IS NOT NULL THEN 'pending' ELSE 'failed' END,
           a ->> 'name', coalesce(a ->> 'contentType', 'application/octet-stream'), (a ->> 'size')::integer,
           a ->> 'blobKey', a ->> 'sha256', a ->> 'url',
           CASE WHEN a ->> 'blobKey' IS NULL AND a ->> 'url' IS NULL THEN 'the sender gave neither the file nor a link to it' END,
           CASE WHEN a ->> 'blobKey' IS NOT NULL THEN p_received_at END, p_received_at
      FROM jsonb_array_elements(coalesce(p_attachments, '[]'::jsonb)) a
    RETURNING id, status
  )
  INSERT INTO outbox (queue, payload, dedupe_key, status, run_at, created_at)
  SELECT 'media', jsonb_build_object('attachmentId', added.id, 'requestId', p_request_id), 'media:' || added.id, 'pending', p_received_at, p_received_at
    FROM added WHERE added.status = 'pending'
  ON CONFLICT (dedupe_key) DO NOTHING;
  END IF;

  IF p_job_payload IS NOT NULL THEN
    INSERT INTO outbox (queue, payload, dedupe_key, status, run_at, created_at)
    VALUES ('triage', p_job_payload || jsonb_build_object('messageId', v_message), 'triage:' || v_message, 'pending', p_received_at, p_received_at)
    ON CONFLICT (dedupe_key) DO NOTHING;
  END IF;

  IF p_audit IS NOT NULL THEN
    INSERT INTO audit_events (practice_id, actor_type, actor_user_id, actor_token_id, action, subject_type, subject_id, patient_id, request_id, detail, created_at)
    VALUES (p_practice_id, p_audit ->> 'actorType', (p_audit ->> 'actorUserId')::uuid, (p_audit ->> 'actorTokenId')::uuid,
            p_audit ->> 'action', 'message', v_message::text, v_patient, p_audit ->> 'requestId',
            jsonb_build_object('conversationId', v_conv, 'newPatient', v_new), p_received_at);
  END IF;

  RETURN QUERY SELECT v_message, v_conv, v_patient, v_point, false, v_new;
END;
$$;
