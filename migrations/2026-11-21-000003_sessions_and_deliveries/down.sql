DROP TABLE link_deliveries;
DROP TABLE payment_plan_sessions;
DROP TABLE contacts;
