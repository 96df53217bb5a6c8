-- One household per resident ID number: imports check the file and the
-- table, and this index catches the household entered by hand while an
-- import commits, or two clerks entering the same one at once.
CREATE UNIQUE INDEX households_id_number_unique ON households (id_number) WHERE id_number <> '';
