CREATE TABLE "playbook_ticks" (
	"conversation_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"checked_by_id" uuid,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "playbook_ticks_conversation_id_item_key_pk" PRIMARY KEY("conversation_id","item_key")
);
--> statement-breakpoint
ALTER TABLE "playbook_ticks" ADD CONSTRAINT "playbook_ticks_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "playbook_ticks" ADD CONSTRAINT "playbook_ticks_checked_by_id_users_id_fk" FOREIGN KEY ("checked_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;