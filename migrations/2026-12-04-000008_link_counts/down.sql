DROP TRIGGER payment_links_counted_out ON payment_links;
DROP TRIGGER payment_links_counted_in ON payment_links;
DROP FUNCTION payment_link_counts_remove();
DROP FUNCTION payment_link_counts_add();
DROP TABLE payment_link_counts;
