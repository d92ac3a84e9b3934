-- What Orleans' ADO.NET providers (clustering, grain persistence, reminders) need in PostgreSQL,
-- written for REST Mail from the providers' contract, for the ADO.NET invariant "Npgsql".
--
-- The providers read their SQL from the table OrleansQuery (QueryKey -> QueryText) at start-up and
-- bind named parameters (@DeploymentId, @GrainId, ...). They read result columns by name, so every
-- result column below carries the exact alias the provider asks for. Parameters are cast where
-- PostgreSQL could not otherwise infer their type (a NULL, or a value only compared with NULL).
--
-- Timestamps are timestamptz: the providers pass UTC DateTime values, which Npgsql sends as
-- timestamptz, and read them back as UTC.

-- Orleans queries this table without quoting, so PostgreSQL folds the names to lower case.
CREATE TABLE OrleansQuery (
    QueryKey  varchar(64) PRIMARY KEY,
    QueryText text NOT NULL
);

------------------------------------------------------------------------------------------------
-- Clustering (membership)
--
-- One version row per deployment (cluster id). Every change to a member row is conditional on
-- the version the caller read, and bumps it in the same statement: the UPDATE of the version row
-- takes its row lock first and re-checks the version, so of two silos racing with the same
-- version exactly one wins. The member row is written only from the rows that UPDATE returned.
------------------------------------------------------------------------------------------------

CREATE TABLE orleans_membership_version (
    deployment_id text PRIMARY KEY,
    version       integer NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orleans_membership (
    deployment_id   text NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text NOT NULL,
    port            integer NOT NULL,
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,
    proxy_port      integer,
    -- "silo,time|silo,time" exactly as the provider formats it.
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (CAST(@DeploymentId AS text))
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
$q$),

('InsertMembershipKey', $q$
WITH claimed AS (
    UPDATE orleans_membership_version v
    SET version = v.version + 1, changed_at = now()
    WHERE v.deployment_id = CAST(@DeploymentId AS text)
      AND v.version = CAST(@Version AS integer)
      AND NOT EXISTS (
          SELECT 1 FROM orleans_membership m
          WHERE m.deployment_id = v.deployment_id
            AND m.address = CAST(@Address AS text) AND m.port = CAST(@Port AS integer)
            AND m.generation = CAST(@Generation AS integer))
    RETURNING v.deployment_id),
inserted AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                    status, proxy_port, start_time, i_am_alive_time)
    SELECT c.deployment_id, CAST(@Address AS text), CAST(@Port AS integer), CAST(@Generation AS integer),
           CAST(@SiloName AS text), CAST(@HostName AS text), CAST(@Status AS integer),
           CAST(@ProxyPort AS integer), CAST(@StartTime AS timestamptz), CAST(@IAmAliveTime AS timestamptz)
    FROM claimed c
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted)
$q$),

('UpdateMembershipKey', $q$
WITH claimed AS (
    UPDATE orleans_membership_version v
    SET version = v.version + 1, changed_at = now()
    WHERE v.deployment_id = CAST(@DeploymentId AS text)
      AND v.version = CAST(@Version AS integer)
      AND EXISTS (
          SELECT 1 FROM orleans_membership m
          WHERE m.deployment_id = v.deployment_id
            AND m.address = CAST(@Address AS text) AND m.port = CAST(@Port AS integer)
            AND m.generation = CAST(@Generation AS integer))
    RETURNING v.deployment_id),
updated AS (
    UPDATE orleans_membership m
    SET status = CAST(@Status AS integer),
        suspect_times = CAST(@SuspectTimes AS text),
        i_am_alive_time = CAST(@IAmAliveTime AS timestamptz)
    FROM claimed c
    WHERE m.deployment_id = c.deployment_id
      AND m.address = CAST(@Address AS text) AND m.port = CAST(@Port AS integer)
      AND m.generation = CAST(@Generation AS integer)
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM updated)
$q$),

-- A heartbeat: not a membership change, so the version stays.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
SET i_am_alive_time = CAST(@IAmAliveTime AS timestamptz)
WHERE deployment_id = CAST(@DeploymentId AS text)
  AND address = CAST(@Address AS text) AND port = CAST(@Port AS integer)
  AND generation = CAST(@Generation AS integer)
$q$),

-- Both reads return the version even when there is no member: one row with NULL member columns.
('MembershipReadRowKey', $q$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status",
       m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
       m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id
      AND m.address = CAST(@Address AS text) AND m.port = CAST(@Port AS integer)
      AND m.generation = CAST(@Generation AS integer)
WHERE v.deployment_id = CAST(@DeploymentId AS text)
$q$),

('MembershipReadAllKey', $q$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status",
       m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
       m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = CAST(@DeploymentId AS text)
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE deployment_id = CAST(@DeploymentId AS text)
$q$),

('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = CAST(@DeploymentId AS text)
  AND status = CAST(@Status AS integer)
  AND proxy_port > 0
$q$),

-- Status 6 is SiloStatus.Dead: only dead silos that have been quiet since the cutoff go.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = CAST(@DeploymentId AS text)
  AND status = 6
  AND i_am_alive_time < CAST(@IAmAliveTime AS timestamptz)
  AND start_time < CAST(@IAmAliveTime AS timestamptz)
$q$),

-- The provider picks the dead rows itself and deletes each only if it is unchanged since it read it.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = CAST(@DeploymentId AS text)
  AND address = CAST(@Address AS text) AND port = CAST(@Port AS integer)
  AND generation = CAST(@Generation AS integer)
  AND status = 6
  AND start_time = CAST(@StartTime AS timestamptz)
  AND i_am_alive_time = CAST(@IAmAliveTime AS timestamptz)
  AND suspect_times IS NOT DISTINCT FROM CAST(@SuspectTimes AS text)
$q$);

------------------------------------------------------------------------------------------------
-- Grain persistence
--
-- One row per (service, grain type, grain id). The version is the ETag: a write names the version
-- it read (NULL for "never stored") and succeeds only if that is still the stored one. On failure
-- the query returns the caller's own version (or NULL), which the provider turns into an
-- InconsistentStateException. Grain ids are N0/N1 (numeric keys) plus a string extension; the
-- extension is stored as '' when absent so that it can be part of the primary key.
------------------------------------------------------------------------------------------------

CREATE TABLE orleans_grain_state (
    service_id    text NOT NULL,
    grain_type    text NOT NULL,
    grain_id_n0   bigint NOT NULL,
    grain_id_n1   bigint NOT NULL,
    grain_id_ext  text NOT NULL,
    payload       bytea,
    version       integer NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_grain_state
WHERE service_id = CAST(@ServiceId AS text)
  AND grain_type = CAST(@GrainTypeString AS text)
  AND grain_id_n0 = CAST(@GrainIdN0 AS bigint) AND grain_id_n1 = CAST(@GrainIdN1 AS bigint)
  AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
$q$),

('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_grain_state
    SET payload = CAST(@PayloadBinary AS bytea), version = version + 1, changed_at = now()
    WHERE CAST(@GrainStateVersion AS integer) IS NOT NULL
      AND service_id = CAST(@ServiceId AS text)
      AND grain_type = CAST(@GrainTypeString AS text)
      AND grain_id_n0 = CAST(@GrainIdN0 AS bigint) AND grain_id_n1 = CAST(@GrainIdN1 AS bigint)
      AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
      AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version),
inserted AS (
    INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
    SELECT CAST(@ServiceId AS text), CAST(@GrainTypeString AS text), CAST(@GrainIdN0 AS bigint),
           CAST(@GrainIdN1 AS bigint), COALESCE(CAST(@GrainIdExtensionString AS text), ''),
           CAST(@PayloadBinary AS bytea), 1
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT COALESCE((SELECT version FROM updated), (SELECT version FROM inserted), CAST(@GrainStateVersion AS integer))
       AS "NewGrainStateVersion"
$q$),

-- Clearing keeps the row (and so the version sequence) with no payload.
('ClearStorageKey', $q$
UPDATE orleans_grain_state
SET payload = NULL, version = version + 1, changed_at = now()
WHERE service_id = CAST(@ServiceId AS text)
  AND grain_type = CAST(@GrainTypeString AS text)
  AND grain_id_n0 = CAST(@GrainIdN0 AS bigint) AND grain_id_n1 = CAST(@GrainIdN1 AS bigint)
  AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
  AND version = CAST(@GrainStateVersion AS integer)
RETURNING version AS "NewGrainStateVersion"
$q$),

-- Used instead of ClearStorageKey when a provider is configured with DeleteStateOnClear.
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state
WHERE service_id = CAST(@ServiceId AS text)
  AND grain_type = CAST(@GrainTypeString AS text)
  AND grain_id_n0 = CAST(@GrainIdN0 AS bigint) AND grain_id_n1 = CAST(@GrainIdN1 AS bigint)
  AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
  AND version = CAST(@GrainStateVersion AS integer)
RETURNING version + 1 AS "NewGrainStateVersion"
$q$);

------------------------------------------------------------------------------------------------
-- Reminders
--
-- The grain hash is the grain id's uniform hash as a signed integer; the reminder service reads
-- the rows of its ring range (begin, end]. When begin < end in signed order the range is one
-- interval, otherwise it wraps around and is two.
------------------------------------------------------------------------------------------------

CREATE TABLE orleans_reminders (
    service_id    text NOT NULL,
    grain_id      text NOT NULL,
    reminder_name text NOT NULL,
    grain_hash    integer NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint NOT NULL,
    version       integer NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders AS r (service_id, grain_id, reminder_name, grain_hash, start_time, period_ms, version)
VALUES (CAST(@ServiceId AS text), CAST(@GrainId AS text), CAST(@ReminderName AS text), CAST(@GrainHash AS integer),
        CAST(@StartTime AS timestamptz), CAST(@Period AS bigint), 1)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET grain_hash = EXCLUDED.grain_hash, start_time = EXCLUDED.start_time,
    period_ms = EXCLUDED.period_ms, version = r.version + 1
RETURNING r.version AS "Version"
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = CAST(@ServiceId AS text) AND grain_id = CAST(@GrainId AS text)
  AND reminder_name = CAST(@ReminderName AS text)
$q$),

('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = CAST(@ServiceId AS text) AND grain_id = CAST(@GrainId AS text)
$q$),

('ReadRangeRows1Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = CAST(@ServiceId AS text)
  AND grain_hash > CAST(@BeginHash AS integer) AND grain_hash <= CAST(@EndHash AS integer)
$q$),

('ReadRangeRows2Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = CAST(@ServiceId AS text)
  AND (grain_hash > CAST(@BeginHash AS integer) OR grain_hash <= CAST(@EndHash AS integer))
$q$),

('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminders
    WHERE service_id = CAST(@ServiceId AS text) AND grain_id = CAST(@GrainId AS text)
      AND reminder_name = CAST(@ReminderName AS text) AND version = CAST(@Version AS integer)
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted)
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE service_id = CAST(@ServiceId AS text)
$q$);
