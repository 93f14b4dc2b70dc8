-- A second telephone number of the customer (a landline beside the mobile, or a family member's): vendors'
-- sheets carry both, and the installer's assignment sheet prints both. Same written form as customer_phone.
ALTER TABLE orders ADD COLUMN customer_phone2 varchar(30);
