-- Reminders: one row per grain and reminder name; the version is the reminder's ETag.
CREATE TABLE IF NOT EXISTS orleansreminderstable
(
    serviceid      varchar(150) NOT NULL,
    grainid        varchar(150) NOT NULL,
    remindername   varchar(150) NOT NULL,
    starttime      timestamptz(3) NOT NULL,
    period         bigint NOT NULL,
    cronexpression varchar(200) NULL,
    nextdueutc     timestamptz(3) NULL,
    lastfireutc    timestamptz(3) NULL,
    priority       smallint NOT NULL DEFAULT 0,
    action         smallint NOT NULL DEFAULT 0,
    grainhash      integer NOT NULL,
    version        integer NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);
CREATE INDEX IF NOT EXISTS ix_orleansreminders_hash ON orleansreminderstable (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', $q$
    INSERT INTO orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, CAST(@Period AS bigint), @GrainHash, 0)
    ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
       SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
           version = orleansreminderstable.version + 1
    RETURNING version
$q$),
('ReadReminderRowsKey', $q$
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId
$q$),
('ReadReminderRowKey', $q$
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
$q$),
('ReadRangeRows1Key', $q$
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash
$q$),
('ReadRangeRows2Key', $q$
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash)
$q$),
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM orleansreminderstable
         WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
           AND version = CAST(@Version AS integer)
        RETURNING 1)
    SELECT count(*)::integer FROM deleted
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
