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
    # 2 (issue 15) official lists: versions, entities as intervals of versions, changes
    """
    CREATE TABLE list_versions (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL,
        fetched TEXT NOT NULL,
        published TEXT,                              -- the list's own date, ISO
        content_hash TEXT NOT NULL,
        entities INTEGER NOT NULL,
        added INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        amended INTEGER NOT NULL DEFAULT 0,
        baseline INTEGER NOT NULL DEFAULT 0,         -- the first version: stored, never alerted
        story_id INTEGER                             -- the story its change items share
    );
    CREATE INDEX list_versions_source ON list_versions(source_id, id);
    CREATE INDEX list_versions_story ON list_versions(story_id);

    -- One row per state of an entry: valid from first_version until last_version
    -- (NULL while it is listed as it is); an amendment closes one row and opens another.
    CREATE TABLE list_entities (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        data TEXT NOT NULL,                          -- JSON of bot.lists.model.ListedEntity
        first_version INTEGER NOT NULL REFERENCES list_versions(id),
        last_version INTEGER REFERENCES list_versions(id)
    );
    CREATE UNIQUE INDEX list_entities_current ON list_entities(source_id, entity_id)
        WHERE last_version IS NULL;

    CREATE TABLE list_changes (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES list_versions(id),
        source_id TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        change TEXT NOT NULL,                        -- added | removed | amended
        fields TEXT NOT NULL DEFAULT '[]',           -- JSON ['label: old → new', ...]
        data TEXT NOT NULL,                          -- JSON of the entry (last state if removed)
        article_id INTEGER REFERENCES articles(id),
        announced_by INTEGER REFERENCES articles(id) -- the press release that named it first
    );
    CREATE INDEX list_changes_version ON list_changes(version_id);
    CREATE INDEX list_changes_article ON list_changes(article_id);

    -- Listed persons/entities an alerted article names (cross-link for press releases).
    CREATE TABLE article_listings (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        name TEXT NOT NULL,
        lists TEXT NOT NULL,                         -- JSON list labels
        PRIMARY KEY (article_id, name)
    ) WITHOUT ROWID;

    -- Announcements checked against a list after the grace period ("not yet listed").
    CREATE TABLE list_pending (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        list_label TEXT NOT NULL,
        checked TEXT NOT NULL,
        missing INTEGER NOT NULL DEFAULT 0,          -- names still not on that list
        PRIMARY KEY (article_id, list_label)
    ) WITHOUT ROWID;
    """,
    # 3 (issue 13): one alert per story and chat, per-chat numbers, who acts on whom,
    # daily digest hour, saved searches for paging.
    """
    ALTER TABLE matches ADD COLUMN actors TEXT NOT NULL DEFAULT '[]';   -- JSON ISO2: who acts
    ALTER TABLE matches ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';  -- JSON ISO2: on whom

    -- Every match an alert shows (several rules, several copies of one story); the
    -- alert's own match_id is its lead (an official copy when there is one).
    CREATE TABLE alert_matches (
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        match_id INTEGER NOT NULL REFERENCES matches(id),
        added TEXT NOT NULL,
        PRIMARY KEY (alert_id, match_id)
    ) WITHOUT ROWID;
    CREATE INDEX alert_matches_match ON alert_matches(match_id);
    CREATE INDEX matches_rule ON matches(rule_key, created);  -- a rule's recent matches
    INSERT INTO alert_matches (alert_id, match_id, added) SELECT id, match_id, created FROM alerts;

    ALTER TABLE alerts ADD COLUMN number INTEGER;                -- per chat: what people type
    ALTER TABLE alerts ADD COLUMN edit_due INTEGER NOT NULL DEFAULT 0;  -- sent, message to update
    UPDATE alerts SET number = (
        SELECT count(*) FROM alerts b WHERE b.chat_id = alerts.chat_id AND b.id <= alerts.id
    );
    CREATE INDEX alerts_match ON alerts(match_id);  -- (by chat and number: alerts_chat)

    ALTER TABLE watches ADD COLUMN number INTEGER;
    UPDATE watches SET number = (
        SELECT count(*) FROM watches b WHERE b.chat_id = watches.chat_id AND b.id <= watches.id
    );

    ALTER TABLE chats ADD COLUMN alert_seq INTEGER NOT NULL DEFAULT 0;  -- last number given
    ALTER TABLE chats ADD COLUMN watch_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE chats ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 8;  -- daily, local time
    UPDATE chats SET
        alert_seq = coalesce((SELECT max(number) FROM alerts WHERE chat_id = chats.id), 0),
        watch_seq = coalesce((SELECT max(number) FROM watches WHERE chat_id = chats.id), 0);

    CREATE TABLE searches (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        query TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE INDEX searches_chat ON searches(chat_id, id);

    -- The words of the search index, for "did you mean" when a search finds nothing.
    CREATE VIRTUAL TABLE articles_vocab USING fts5vocab(articles_fts, 'row');
    """,
    # 4 (issue 14): retention (bot/store/retention.py) asks "does this story have an
    # alert?" for every old article, and alerts had no index on story_id.
    """
    CREATE INDEX IF NOT EXISTS alerts_story ON alerts(story_id);
    -- and unlinks list changes from the press releases it removes.
    CREATE INDEX IF NOT EXISTS list_changes_announced ON list_changes(announced_by);
    """,
]
