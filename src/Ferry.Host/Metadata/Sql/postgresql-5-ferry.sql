-- Ferry's own: the key that encrypts data-source passwords, shared by every node of a cluster.
CREATE TABLE IF NOT EXISTS ferry_keyring
(
    name       varchar(64) NOT NULL PRIMARY KEY,
    key_base64 text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
