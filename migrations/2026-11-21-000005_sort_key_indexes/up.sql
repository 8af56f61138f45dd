-- One index per remaining sort key, so that a page in any order is a range scan of one merchant's
-- index entries, however deep: (merchant_uid, key, link_id), scanned forwards or backwards. A
-- NULL key sorts last and is read by its own `key IS NULL` range, which these serve too.
-- `merchant_uid` and `link_id` as sort keys both come down to link_id order within the merchant.
-- payment_description, custom_success_message and redirect_url get none: they may be longer than
-- a B-tree entry can hold (about 2.7 kB), so an index would refuse such links; sorting by them
-- sorts the merchant's matching links in memory.
CREATE INDEX payment_links_by_link_id ON payment_links (merchant_uid, link_id);
CREATE INDEX payment_links_by_currency ON payment_links (merchant_uid, currency, link_id);
CREATE INDEX payment_links_by_fee_mode ON payment_links (merchant_uid, fee_mode, link_id);
CREATE INDEX payment_links_by_amount_is_variable ON payment_links (merchant_uid, amount_is_variable, link_id);
CREATE INDEX payment_links_by_min_amount ON payment_links (merchant_uid, min_amount, link_id);
CREATE INDEX payment_links_by_max_amount ON payment_links (merchant_uid, max_amount, link_id);
CREATE INDEX payment_links_by_require_phone ON payment_links (merchant_uid, require_phone, link_id);
CREATE INDEX payment_links_by_call_to_action ON payment_links (merchant_uid, call_to_action, link_id);
CREATE INDEX payment_links_by_accepted_payment_methods ON payment_links (merchant_uid, accepted_payment_methods, link_id);
CREATE INDEX payment_links_by_account_code ON payment_links (merchant_uid, account_code, link_id);
CREATE INDEX payment_links_by_is_active ON payment_links (merchant_uid, is_active, link_id);

-- Name searches lower-case with ICU's root locale (every letter, not only ASCII ones) and compare
-- the result by bytes, so that LIKE 'prefix%' stays an index range; the listing's SQL uses the
-- same expression. Needs a PostgreSQL built with ICU (Debian's and the official images are).
DROP INDEX payment_links_name_search;
CREATE INDEX payment_links_name_search
    ON payment_links (merchant_uid, (lower(link_name COLLATE "und-x-icu") COLLATE "C"));
