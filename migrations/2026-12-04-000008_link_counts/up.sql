-- How many payment links each merchant has, kept by triggers, so that the total of an unfiltered
-- listing is read from at most 16 rows instead of counted over every link.
--
-- A merchant's count is split over 16 slots, and a change adds to the slot of the backend that
-- makes it (pg_backend_pid() % 16): concurrent inserts from different connections then rarely
-- wait for one another's row lock, as they would on a single counter row. The total is the sum
-- of the slots, exact for the reader's snapshot, since the counts change in the same transaction
-- as the links. Statement-level triggers with transition tables keep a bulk insert (seeding)
-- at one upsert per merchant. A link never changes merchant (no update writes merchant_uid), so
-- inserts and deletes are the only changes to count.
CREATE TABLE payment_link_counts (
    merchant_uid text COLLATE "C" NOT NULL,
    slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 15),
    links bigint NOT NULL,
    PRIMARY KEY (merchant_uid, slot)
);

INSERT INTO payment_link_counts (merchant_uid, slot, links)
SELECT merchant_uid, 0, count(*) FROM payment_links GROUP BY merchant_uid;

CREATE FUNCTION payment_link_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO payment_link_counts AS c (merchant_uid, slot, links)
    SELECT merchant_uid, pg_backend_pid() % 16, count(*) FROM changed GROUP BY merchant_uid
    ON CONFLICT (merchant_uid, slot) DO UPDATE SET links = c.links + EXCLUDED.links;
    RETURN NULL;
END
$$;

CREATE FUNCTION payment_link_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO payment_link_counts AS c (merchant_uid, slot, links)
    SELECT merchant_uid, pg_backend_pid() % 16, -count(*) FROM changed GROUP BY merchant_uid
    ON CONFLICT (merchant_uid, slot) DO UPDATE SET links = c.links + EXCLUDED.links;
    RETURN NULL;
END
$$;

CREATE TRIGGER payment_links_counted_in AFTER INSERT ON payment_links
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payment_link_counts_add();
CREATE TRIGGER payment_links_counted_out AFTER DELETE ON payment_links
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payment_link_counts_remove();
