CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE breaker (
	id INTEGER NOT NULL, 
	scope_key VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	failures INTEGER NOT NULL, 
	opened_at DATETIME, 
	reset_after FLOAT NOT NULL, 
	job_id INTEGER, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_breaker_scope_key ON breaker (scope_key);

CREATE TABLE job (
	id INTEGER NOT NULL, 
	playbook VARCHAR NOT NULL, 
	playbook_sha256 VARCHAR NOT NULL, 
	git_commit VARCHAR, 
	user VARCHAR NOT NULL, 
	options TEXT, 
	status VARCHAR NOT NULL, 
	exit_code INTEGER, 
	pid INTEGER, 
	machine VARCHAR, 
	created_at DATETIME NOT NULL, 
	started_at DATETIME, 
	finished_at DATETIME, error TEXT, inventory VARCHAR, aborted TEXT, flags TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_job_status ON job (status);

CREATE TABLE config_backup (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	host VARCHAR NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	text TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE INDEX ix_config_backup_host ON config_backup (host);

CREATE INDEX ix_config_backup_job_id ON config_backup (job_id);

CREATE TABLE host_result (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	host VARCHAR NOT NULL, 
	play_index INTEGER NOT NULL, 
	play VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	changed BOOLEAN NOT NULL, 
	error TEXT, 
	started_at DATETIME, 
	finished_at DATETIME, 
	duration_ms INTEGER, credential TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE INDEX ix_host_result_host ON host_result (host);

CREATE INDEX ix_host_result_job_id ON host_result (job_id);

CREATE TABLE log_entry (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	host VARCHAR, 
	level VARCHAR NOT NULL, 
	message TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE INDEX ix_log_entry_host ON log_entry (host);

CREATE INDEX ix_log_entry_job_id ON log_entry (job_id);

CREATE TABLE task_result (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	host VARCHAR NOT NULL, 
	play_index INTEGER NOT NULL, 
	play VARCHAR NOT NULL, 
	task_index INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	action VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	changed BOOLEAN NOT NULL, 
	failed BOOLEAN NOT NULL, 
	skipped BOOLEAN NOT NULL, 
	output TEXT, 
	diff TEXT, 
	error TEXT, 
	attempts INTEGER NOT NULL, 
	started_at DATETIME, 
	duration_ms INTEGER, ignored BOOLEAN DEFAULT 0 NOT NULL, rescued BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE INDEX ix_task_result_host ON task_result (host);

CREATE INDEX ix_task_result_job_id ON task_result (job_id);

CREATE TABLE api_token (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	token_sha256 VARCHAR NOT NULL, 
	created_by VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_api_token_name ON api_token (name);

CREATE UNIQUE INDEX ix_api_token_token_sha256 ON api_token (token_sha256);

CREATE TABLE audit_entry (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	who VARCHAR NOT NULL, 
	role VARCHAR, 
	action VARCHAR NOT NULL, 
	target VARCHAR, 
	client VARCHAR, 
	status_code INTEGER NOT NULL, 
	detail TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_entry_at ON audit_entry (at);

CREATE TABLE job_request (
	job_id INTEGER NOT NULL, 
	request TEXT NOT NULL, 
	PRIMARY KEY (job_id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE TABLE schedule (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	handler VARCHAR NOT NULL, 
	playbook TEXT, 
	inventory TEXT NOT NULL, 
	"limit" TEXT, 
	extra_vars TEXT NOT NULL, 
	timing VARCHAR NOT NULL, 
	timezone VARCHAR NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	missed VARCHAR NOT NULL, 
	created_by VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	next_run_at DATETIME, 
	last_run_at DATETIME, 
	last_job_id INTEGER, 
	last_status VARCHAR, 
	last_note TEXT, 
	claimed_by VARCHAR, 
	claimed_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_schedule_name ON schedule (name);

CREATE TABLE repo_template (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_repo_template_name ON repo_template (name);

CREATE TABLE repo_template_version (
	id INTEGER NOT NULL, 
	template_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	body TEXT NOT NULL, 
	author VARCHAR NOT NULL, 
	message TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(template_id) REFERENCES repo_template (id), 
	CONSTRAINT uq_template_version UNIQUE (template_id, version)
);

CREATE INDEX ix_repo_template_version_template_id ON repo_template_version (template_id);

CREATE TABLE job_template (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES job (id)
);

CREATE INDEX ix_job_template_job_id ON job_template (job_id);

CREATE TABLE feature_flag (
	name VARCHAR NOT NULL, 
	enabled BOOLEAN, 
	percent FLOAT, 
	tags TEXT DEFAULT '[]' NOT NULL, 
	updated_by VARCHAR, 
	updated_at DATETIME, 
	PRIMARY KEY (name)
);

