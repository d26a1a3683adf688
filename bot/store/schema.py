"""Database schema as an ordered list of migrations.

Until the first release no database exists in the field, so migration 1 may be
edited in place; after that, add a new migration at the end, never edit one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: everything
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'rss',
        tier TEXT NOT NULL DEFAULT 'media',
        interval INTEGER NOT NULL DEFAULT 900,
        config TEXT NOT NULL DEFAULT '{}',          -- JSON: selectors, full_text, notes...
        enabled INTEGER NOT NULL DEFAULT 1,
        added_by INTEGER,                            -- user id of the admin who added it
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        items_seen INTEGER NOT NULL DEFAULT 0,
        next_poll_at TEXT,
        failure_reported INTEGER NOT NULL DEFAULT 0  -- admins were told it is broken
    );

    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,                   -- normalised title key for grouping
        created TEXT NOT NULL
    );
    CREATE INDEX stories_fingerprint ON stories(fingerprint);
    CREATE INDEX stories_created ON stories(created);

    -- Inverted index of story fingerprints: candidates for near-duplicate grouping are
    -- the recent stories sharing at least two tokens, found without scanning them all.
    CREATE TABLE story_tokens (
        token TEXT NOT NULL,
        story_id INTEGER NOT NULL REFERENCES stories(id),
        PRIMARY KEY (token, story_id)
    ) WITHOUT ROWID;

    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL,
        guid TEXT NOT NULL,
        url TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        fetched TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        story_id INTEGER NOT NULL REFERENCES stories(id),
        UNIQUE (source_id, guid),
        UNIQUE (canonical_url)
    );
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_fetched ON articles(fetched);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;

    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,                      -- Telegram chat id
        type TEXT NOT NULL DEFAULT 'private',
        title TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        digest TEXT NOT NULL DEFAULT 'off',          -- off | hourly | daily
        quiet_start INTEGER,                         -- hour 0-23, in the chat's time zone
        quiet_end INTEGER,
        last_digest_at TEXT,
        migrated_to INTEGER,
        created TEXT NOT NULL
    );

    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id),
        thread_id INTEGER NOT NULL DEFAULT 0,        -- forum topic; 0 = none
        pack_id TEXT NOT NULL,
        created TEXT NOT NULL,
        UNIQUE (chat_id, thread_id, pack_id)
    );

    CREATE TABLE watches (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id),
        thread_id INTEGER NOT NULL DEFAULT 0,
        query TEXT NOT NULL,
        created TEXT NOT NULL,
        created_by INTEGER
    );
    CREATE INDEX watches_chat ON watches(chat_id);

    CREATE TABLE mutes (
        chat_id INTEGER NOT NULL,
        rule_key TEXT NOT NULL,
        until TEXT NOT NULL,
        PRIMARY KEY (chat_id, rule_key)
    );

    CREATE TABLE matches (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        rule_key TEXT NOT NULL,
        rule_name TEXT NOT NULL,
        countries TEXT NOT NULL DEFAULT '[]',        -- JSON list of ISO2
        summary TEXT NOT NULL,
        highlights TEXT NOT NULL DEFAULT '[]',       -- JSON [[start, end], ...] into summary
        explanation TEXT NOT NULL,
        witnesses TEXT NOT NULL DEFAULT '[]',        -- JSON list of witness objects
        created TEXT NOT NULL,
        UNIQUE (article_id, rule_key)
    );

    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL DEFAULT 0,
        rule_key TEXT NOT NULL,
        story_id INTEGER NOT NULL,
        match_id INTEGER NOT NULL REFERENCES matches(id),
        priority TEXT NOT NULL DEFAULT 'normal',
        state TEXT NOT NULL DEFAULT 'pending',       -- pending | sent | failed (retrying) | dead | muted
        attempts INTEGER NOT NULL DEFAULT 0,
        parts_sent INTEGER NOT NULL DEFAULT 0,       -- parts of a split message already delivered
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        message_id INTEGER,
        created TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (chat_id, thread_id, rule_key, story_id)
    );
    CREATE INDEX alerts_due ON alerts(state, next_attempt_at);
    CREATE INDEX alerts_chat ON alerts(chat_id, created);

    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,                       -- sent | merged | part | retry | failed | dead | held | muted | digest
        error TEXT,
        message_id INTEGER
    );
    CREATE INDEX deliveries_alert ON deliveries(alert_id);
    """,
    # retention (bot/store/retention.py): "does this story have an alert?" is asked for
    # every old article, and alerts had no index on story_id.
    """
    CREATE INDEX IF NOT EXISTS alerts_story ON alerts(story_id);
    """,
]
