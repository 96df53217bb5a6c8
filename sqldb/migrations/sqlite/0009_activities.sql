-- 志愿服务: the activity type dictionary, activities and their cadre volunteers.
CREATE TABLE activity_types (
	code   TEXT PRIMARY KEY,
	name   TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT 1,
	sort   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO activity_types (code, name, sort) VALUES
	('relief', '帮困慰问', 1),
	('environment', '环境整治', 2),
	('clinic', '健康义诊', 3),
	('lecture', '知识讲座', 4),
	('legal', '法律政策科普', 5),
	('learning', '送学下乡', 6),
	('exams', '送考下乡', 7),
	('skills', '送技下乡', 8),
	('culture', '文艺活动', 9),
	('safety', '安全检查', 10),
	('other', '其他', 99);

CREATE TABLE activities (
	id            INTEGER PRIMARY KEY,
	type          TEXT NOT NULL REFERENCES activity_types (code),
	date          TEXT NOT NULL,
	village_code  TEXT NOT NULL REFERENCES regions (code),
	township_code TEXT REFERENCES regions (code),
	unit_id       INTEGER NOT NULL REFERENCES units (id),
	others        INTEGER NOT NULL DEFAULT 0 CHECK (others >= 0),
	served        INTEGER NOT NULL DEFAULT 0 CHECK (served >= 0),
	description   TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 1,
	created_by    INTEGER REFERENCES users (id),
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
CREATE INDEX activities_date ON activities (date, id);
CREATE INDEX activities_unit ON activities (unit_id, date);
CREATE INDEX activities_township ON activities (township_code, date);
CREATE INDEX activities_village ON activities (village_code, date);
CREATE INDEX activities_type ON activities (type, date);

CREATE TABLE activity_volunteers (
	activity_id INTEGER NOT NULL REFERENCES activities (id),
	cadre_id    INTEGER NOT NULL REFERENCES cadres (id),
	PRIMARY KEY (activity_id, cadre_id)
);
CREATE INDEX activity_volunteers_cadre ON activity_volunteers (cadre_id, activity_id);
