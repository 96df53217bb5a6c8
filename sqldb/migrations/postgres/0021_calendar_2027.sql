-- The official calendar of 2027 (SPEC §3): the State Council notice on
-- the public holidays of 2027, as sanlian.OfficialCalendar() (workday.go)
-- holds it; TestCalendarService_Seed checks that the two agree. A year held
-- here is confirmed: deadlines counted on it are no longer provisional.
-- Where the office already entered 2027 itself, its row stays.
INSERT INTO calendar_years (year, holidays, workdays, note) VALUES
(2027,
	'2027-01-01,2027-01-02,2027-01-03,2027-02-05,2027-02-06,2027-02-07,2027-02-08,2027-02-09,2027-02-10,2027-02-11,2027-02-12,2027-02-13,2027-04-03,2027-04-04,2027-04-05,2027-05-01,2027-05-02,2027-05-03,2027-05-04,2027-05-05,2027-06-09,2027-09-15,2027-10-01,2027-10-02,2027-10-03,2027-10-04,2027-10-05,2027-10-06,2027-10-07',
	'2027-01-31,2027-02-14,2027-05-08,2027-09-26,2027-10-09',
	'国务院办公厅关于2027年部分节假日安排的通知')
ON CONFLICT (year) DO NOTHING;
