CREATE TABLE "reply_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"practice_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"assistant_id" uuid NOT NULL,
	"reviewer_id" uuid,
	"reviewer_token_id" uuid,
	"verdict" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reply_reviews_messageId_unique" UNIQUE("message_id")
);
--> statement-breakpoint
ALTER TABLE "message_attachments" ALTER COLUMN "message_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "placed_by_id" uuid;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "staff_phone" text;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "practice_id" uuid;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "conversation_id" uuid;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "kind" text DEFAULT 'attachment' NOT NULL;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "status" text DEFAULT 'stored' NOT NULL;--> statement-breakpoint
-- existing rows (hand-written): their practice and conversation from the message; bytes kept
-- inline are 'inline' until the start-up data step moves them to the blob store, and provider
-- links never fetched are 'pending' for the media job
UPDATE "message_attachments" a SET "practice_id" = m."practice_id", "conversation_id" = m."conversation_id",
  "kind" = CASE WHEN m."channel" = 'voice' AND a."content_type" LIKE 'audio/%' THEN 'recording' ELSE 'attachment' END,
  "status" = CASE WHEN a."content" IS NOT NULL THEN 'inline' WHEN a."url" IS NOT NULL THEN 'pending' ELSE 'failed' END
  FROM "messages" m WHERE m."id" = a."message_id";--> statement-breakpoint
ALTER TABLE "message_attachments" ALTER COLUMN "practice_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "message_attachments" ALTER COLUMN "conversation_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "blob_key" text;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "sha256" text;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "uploaded_by_id" uuid;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "uploaded_by_token_id" uuid;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "stored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "patient_merges" ADD COLUMN "filled" jsonb;--> statement-breakpoint
ALTER TABLE "patients" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "queues" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "reply_reviews" ADD CONSTRAINT "reply_reviews_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_reviews" ADD CONSTRAINT "reply_reviews_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_reviews" ADD CONSTRAINT "reply_reviews_assistant_id_users_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_reviews" ADD CONSTRAINT "reply_reviews_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reply_reviews_practice_id_assistant_id_created_at_index" ON "reply_reviews" USING btree ("practice_id","assistant_id","created_at");--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_placed_by_id_users_id_fk" FOREIGN KEY ("placed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_uploaded_by_id_users_id_fk" FOREIGN KEY ("uploaded_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_actor_user_id_created_at_index" ON "audit_events" USING btree ("actor_user_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_token_id_created_at_index" ON "audit_events" USING btree ("actor_token_id","created_at");--> statement-breakpoint
CREATE INDEX "message_attachments_conversation_id_index" ON "message_attachments" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "message_attachments_status_kind_created_at_index" ON "message_attachments" USING btree ("status","kind","created_at");