import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journey_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id varchar(100) NOT NULL UNIQUE,
        name varchar(200) NOT NULL,
        description text,
        rule_config jsonb NOT NULL,
        active boolean NOT NULL DEFAULT true,
        priority integer NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX journey_rules_active_order ON journey_rules (priority DESC, rule_id) WHERE active`);
    await q.query(`
      CREATE TABLE journey_rule_versions (
        rule_id varchar(100) NOT NULL,
        version integer NOT NULL,
        rule_config jsonb NOT NULL,
        created_by varchar(50) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rule_id, version)
      )`);

    // The read model: one row per participant (with the engine's per-rule state), records per entity.
    await q.query(`
      CREATE TABLE participants (
        user_id uuid PRIMARY KEY,
        first_seen_at timestamptz,
        last_event_at timestamptz,
        matched_rules text[] NOT NULL DEFAULT '{}',
        next_due_at timestamptz,
        evaluated_at timestamptz
      )`);
    await q.query(`CREATE INDEX participants_next_due ON participants (next_due_at) WHERE next_due_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE participant_records (
        user_id uuid NOT NULL,
        entity varchar(50) NOT NULL,
        record_key varchar(200) NOT NULL,
        fields jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, entity, record_key)
      )`);
    // Resolves a match's or a session's participant for events that only name the match or session.
    await q.query(`CREATE INDEX participant_records_by_key ON participant_records (entity, record_key)`);

    await q.query(`
      CREATE TABLE processed_events (
        event_id uuid PRIMARY KEY,
        type varchar(100) NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE pending_events (
        event_id uuid PRIMARY KEY,
        wait_entity varchar(50) NOT NULL,
        wait_key varchar(200) NOT NULL,
        envelope jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX pending_events_waiting_for ON pending_events (wait_entity, wait_key)`);

    await q.query(`
      CREATE TABLE journey_flags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        flag varchar(100) NOT NULL,
        value boolean NOT NULL,
        set_by_rule varchar(100) NOT NULL,
        set_at timestamptz NOT NULL,
        expires_at timestamptz,
        UNIQUE (user_id, flag)
      )`);
    await q.query(`
      CREATE TABLE journey_flag_history (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL,
        flag varchar(100) NOT NULL,
        value boolean NOT NULL,
        previous_value boolean,
        rule_id varchar(100) NOT NULL,
        rule_version integer,
        reason text NOT NULL,
        caused_by uuid,
        explanation jsonb,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX journey_flag_history_by_user ON journey_flag_history (user_id, id)`);
    await q.query(`
      CREATE TABLE journey_milestones (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        milestone varchar(100) NOT NULL,
        reached_at timestamptz NOT NULL,
        triggered_by_rule varchar(100) NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        UNIQUE (user_id, milestone)
      )`);
    await q.query(`
      CREATE TABLE journey_outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        type varchar(200) NOT NULL,
        user_id uuid NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX journey_outbox_unpublished ON journey_outbox (id) WHERE published_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'journey_outbox',
      'journey_milestones',
      'journey_flag_history',
      'journey_flags',
      'pending_events',
      'processed_events',
      'participant_records',
      'participants',
      'journey_rule_versions',
      'journey_rules',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
