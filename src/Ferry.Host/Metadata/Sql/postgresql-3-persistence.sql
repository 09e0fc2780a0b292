-- Grain state. Unlike a plain index, the unique key makes two concurrent first writes of the
-- same grain impossible: one inserts, the other gets no version back and Orleans reports the conflict.
CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer      NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    graintypehash          integer      NOT NULL,
    graintypestring        varchar(512) NOT NULL,
    grainidextensionstring varchar(512) NULL,
    serviceid              varchar(150) NOT NULL,
    payloadbinary          bytea        NULL,
    modifiedon             timestamp    NOT NULL,
    version                integer      NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain ON orleansstorage
    (serviceid, graintypehash, grainidhash, grainidn0, grainidn1, graintypestring, (coalesce(grainidextensionstring, '')));

-- Returns the new version, or the old one (or NULL) when the write lost a race: Orleans then
-- raises InconsistentStateException.
CREATE OR REPLACE FUNCTION ferry_storage_write(
    p_id_hash integer, p_n0 bigint, p_n1 bigint, p_type_hash integer, p_type text, p_ext text, p_service text,
    p_version integer, p_binary bytea)
RETURNS TABLE (newgrainstateversion integer) LANGUAGE plpgsql AS $fn$
DECLARE
    v integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
                                    serviceid, payloadbinary, modifiedon, version)
        VALUES (p_id_hash, p_n0, p_n1, p_type_hash, p_type, p_ext, p_service, p_binary, now() at time zone 'utc', 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v;
    ELSE
        UPDATE orleansstorage
           SET payloadbinary = p_binary,
               modifiedon = now() at time zone 'utc', version = version + 1
         WHERE serviceid = p_service AND graintypehash = p_type_hash AND grainidhash = p_id_hash
           AND grainidn0 = p_n0 AND grainidn1 = p_n1 AND graintypestring = p_type
           AND coalesce(grainidextensionstring, '') = coalesce(p_ext, '')
           AND version = p_version
        RETURNING version INTO v;
    END IF;
    RETURN QUERY SELECT coalesce(v, p_version);
END
$fn$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', $q$
    SELECT * FROM ferry_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
$q$),
('ReadFromStorageKey', $q$
    SELECT payloadbinary, now() at time zone 'utc', version
      FROM orleansstorage
     WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(CAST(@GrainIdExtensionString AS text), '')
$q$),
('ClearStorageKey', $q$
    UPDATE orleansstorage
       SET payloadbinary = NULL, version = version + 1
     WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(CAST(@GrainIdExtensionString AS text), '')
       AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version AS newgrainstateversion
$q$),
('DeleteStorageKey', $q$
    DELETE FROM orleansstorage
     WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(CAST(@GrainIdExtensionString AS text), '')
       AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version AS newgrainstateversion
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
