// The source design's five audit tables, verbatim from its §3.1–3.5 (001_9c2ba14d37dc6d42.txt,
// “审计日志系统设计文档”): columns, types, COMMENTs and every index as written there. Only the
// engine defaults come from the server (InnoDB, utf8mb4).

export const SOURCE_DDL: Record<string, string> = {
  audit_request_log: `CREATE TABLE audit_request_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY COMMENT '主键ID',
    trace_id VARCHAR(32) COMMENT '链路追踪ID',
    tenant_id VARCHAR(64) NOT NULL COMMENT '租户ID',
    user_id BIGINT UNSIGNED COMMENT '用户ID',
    username VARCHAR(64) COMMENT '用户名',
    session_id VARCHAR(64) COMMENT '会话ID',
    ip_address VARCHAR(39) NOT NULL COMMENT '客户端IP地址(支持IPv6)',
    user_agent TEXT COMMENT '用户代理信息',
    request_method VARCHAR(10) NOT NULL COMMENT '请求方法(GET/POST/PUT/DELETE)',
    request_url VARCHAR(500) NOT NULL COMMENT '请求URL',
    request_params TEXT COMMENT '请求参数(JSON格式)',
    request_headers TEXT COMMENT '请求头信息(JSON格式)',
    request_body TEXT COMMENT '请求体内容',
    response_status INT COMMENT '响应状态码',
    response_body TEXT COMMENT '响应内容',
    response_time BIGINT COMMENT '响应时间(毫秒)',
    error_code VARCHAR(50) COMMENT '错误代码',
    error_message TEXT COMMENT '错误信息',
    module VARCHAR(50) COMMENT '模块名称',
    operation_name VARCHAR(50) COMMENT '操作名称',
    risk_level TINYINT DEFAULT 1 COMMENT '风险等级(1:低 2:中 3:高 4:严重)',
    is_sensitive TINYINT DEFAULT 0 COMMENT '是否敏感操作(0:否 1:是)',
    archive_status TINYINT DEFAULT 0 COMMENT '归档状态(0:未归档 1:已归档)',
    created_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    
    -- 核心查询索引（时间字段放在最后支持范围查询）
    INDEX idx_tenant_time (tenant_id, created_time),
    INDEX idx_tenant_user (tenant_id, user_id, created_time),
    INDEX idx_tenant_ip (tenant_id, ip_address, created_time),
    INDEX idx_tenant_operation (tenant_id, operation_name, created_time),
    INDEX idx_tenant_archive (tenant_id, archive_status, created_time)
) COMMENT='Web请求审计日志表';`,
  audit_database_log: `CREATE TABLE audit_database_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY COMMENT '主键ID',
    request_log_id BIGINT COMMENT '关联的请求日志ID',
    tenant_id VARCHAR(64) NOT NULL COMMENT '租户ID',
    sql_type VARCHAR(20) NOT NULL COMMENT 'SQL类型(SELECT/INSERT/UPDATE/DELETE)',
    table_name VARCHAR(100) NOT NULL COMMENT '操作的表名',
    database_name VARCHAR(100) COMMENT '数据库名',
    sql_statement TEXT COMMENT 'SQL语句',
    sql_params TEXT COMMENT 'SQL参数(JSON格式)',
    affected_rows INT COMMENT '影响行数',
    execution_time BIGINT COMMENT '执行时间(毫秒)',
    transaction_id VARCHAR(64) COMMENT '事务ID',
    is_success TINYINT DEFAULT 1 COMMENT '是否执行成功(0:失败 1:成功)',
    error_message TEXT COMMENT '错误信息',
    before_data TEXT COMMENT '变更前数据(JSON格式)',
    after_data TEXT COMMENT '变更后数据(JSON格式)',
    risk_level TINYINT DEFAULT 1 COMMENT '风险等级(1:低 2:中 3:高 4:严重)',
    is_sensitive TINYINT DEFAULT 0 COMMENT '是否敏感操作(0:否 1:是)',
    archive_status TINYINT DEFAULT 0 COMMENT '归档状态(0:未归档 1:已归档)',
    created_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    
    -- 核心查询索引（时间字段放在最后支持范围查询）
    INDEX idx_tenant_time (tenant_id, created_time),
    INDEX idx_tenant_sql (tenant_id, sql_type, created_time),
    INDEX idx_tenant_table (tenant_id, table_name, created_time),
    INDEX idx_tenant_archive (tenant_id, archive_status, created_time)
) COMMENT='数据库操作审计日志表';`,
  audit_change_log: `CREATE TABLE audit_change_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY COMMENT '主键ID',
    database_log_id BIGINT COMMENT '关联的数据库操作日志ID',
    request_log_id BIGINT COMMENT '关联的请求日志ID',
    tenant_id VARCHAR(64) NOT NULL COMMENT '租户ID',
    table_name VARCHAR(100) NOT NULL COMMENT '表名',
    record_id VARCHAR(100) NOT NULL COMMENT '记录ID',
    field_name VARCHAR(100) NOT NULL COMMENT '字段名',
    field_label VARCHAR(200) COMMENT '字段中文名',
    old_value TEXT COMMENT '变更前值',
    new_value TEXT COMMENT '变更后值',
    value_type VARCHAR(50) COMMENT '值类型(STRING/NUMBER/DATE/JSON等)',
    change_type VARCHAR(20) NOT NULL COMMENT '变更类型(INSERT/UPDATE/DELETE)',
    is_sensitive TINYINT DEFAULT 0 COMMENT '是否敏感字段(0:否 1:是)',
    is_encrypted TINYINT DEFAULT 0 COMMENT '是否加密存储(0:否 1:是)',
    change_reason VARCHAR(500) COMMENT '变更原因',
    approval_status VARCHAR(20) COMMENT '审批状态',
    approver_id BIGINT COMMENT '审批人ID',
    approval_time DATETIME COMMENT '审批时间',
    archive_status TINYINT DEFAULT 0 COMMENT '归档状态(0:未归档 1:已归档)',
    created_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    
    -- 核心查询索引（时间字段放在最后支持范围查询）
    INDEX idx_tenant_time (tenant_id, created_time),
    INDEX idx_tenant_table_record (tenant_id, table_name, record_id, created_time),
    INDEX idx_tenant_sensitive (tenant_id, is_sensitive, created_time),
    INDEX idx_tenant_archive (tenant_id, archive_status, created_time)
) COMMENT='字段变更审计日志表';`,
  audit_security_log: `CREATE TABLE audit_security_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY COMMENT '主键ID',
    request_log_id BIGINT COMMENT '关联的请求日志ID',
    trace_id VARCHAR(32) COMMENT '链路追踪ID',
    tenant_id VARCHAR(64) NOT NULL COMMENT '租户ID',
    event_type VARCHAR(50) NOT NULL COMMENT '事件分类(LOGIN/LOGOUT/AUTH/ATTACK/VIOLATION等)',
    event_name VARCHAR(200) NOT NULL COMMENT '事件名称',
    event_description TEXT COMMENT '事件描述',
    event_data TEXT COMMENT '事件详细数据(JSON格式)',
    event_status VARCHAR(20) DEFAULT 'DETECTED' COMMENT '事件状态(DETECTED/PROCESSING/RESOLVED/IGNORED)',
    risk_level TINYINT NOT NULL COMMENT '风险等级(1:低 2:中 3:高 4:严重)',
    threat_type VARCHAR(50) COMMENT '威胁类型',
    attack_vector VARCHAR(100) COMMENT '攻击向量',
    mitre_technique VARCHAR(20) COMMENT 'MITRE ATT&CK技术ID(如T1078)',
    mitre_tactic VARCHAR(50) COMMENT 'MITRE ATT&CK战术',
    threat_intel_source VARCHAR(100) COMMENT '威胁情报来源',
    ioc_indicators TEXT COMMENT 'IOC指标(JSON格式)',
    source_ip VARCHAR(45) COMMENT '来源IP',
    target_resource VARCHAR(200) COMMENT '目标资源',
    detection_method VARCHAR(100) COMMENT '检测方法',
    security_rule VARCHAR(200) COMMENT '触发的安全规则',
    handle_status VARCHAR(20) DEFAULT 'PENDING' COMMENT '处理状态(PENDING/HANDLED/ESCALATED)',
    handler_id BIGINT COMMENT '处理人ID',
    handle_time DATETIME COMMENT '处理时间',
    handle_result TEXT COMMENT '处理结果',
    false_positive TINYINT DEFAULT 0 COMMENT '是否误报(0:否 1:是)',
    related_events TEXT COMMENT '关联事件ID列表',
    compliance_tags VARCHAR(200) COMMENT '合规标签',
    archive_status TINYINT DEFAULT 0 COMMENT '归档状态(0:未归档 1:已归档)',
    created_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_time DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    
    -- 核心查询索引（时间字段放在最后支持范围查询）
    INDEX idx_tenant_time (tenant_id, created_time),
    INDEX idx_tenant_type (tenant_id, event_type, created_time),
    INDEX idx_tenant_risk (tenant_id, risk_level, created_time),
    INDEX idx_tenant_status (tenant_id, event_status, created_time),
    INDEX idx_tenant_archive (tenant_id, archive_status, created_time)
) COMMENT='安全事件审计日志表';`,
  audit_admin_log: `CREATE TABLE audit_admin_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY COMMENT '主键ID',
    request_log_id BIGINT COMMENT '关联的请求日志ID',
    trace_id VARCHAR(32) COMMENT '链路追踪ID',
    tenant_id VARCHAR(64) COMMENT '租户ID(系统级操作可为空)',
    
    -- 管理员信息（继承自 audit_request_log 的用户信息）
    user_id BIGINT NOT NULL COMMENT '管理员用户ID',
    usernam VARCHAR(100) NOT NULL COMMENT '管理员用户名',
    session_id VARCHAR(100) COMMENT '会话ID',
    
    -- Web请求信息（继承自 audit_request_log）
    ip_address VARCHAR(39) NOT NULL COMMENT '客户端IP地址(支持IPv6)',
    user_agent TEXT COMMENT '用户代理信息',
    request_method VARCHAR(10) NOT NULL COMMENT '请求方法(GET/POST/PUT/DELETE)',
    request_url VARCHAR(500) NOT NULL COMMENT '请求URL',
    request_params TEXT COMMENT '请求参数(JSON格式)',
    request_headers TEXT COMMENT '请求头信息(JSON格式)',
    request_body TEXT COMMENT '请求体内容',
    
    -- 响应信息（继承自 audit_request_log）
    response_status INT COMMENT '响应状态码',
    response_body TEXT COMMENT '响应内容',
    response_time BIGINT COMMENT '响应时间(毫秒)',
    error_code VARCHAR(50) COMMENT '错误代码',
    error_message TEXT COMMENT '错误信息',
    
    -- 业务信息
    module VARCHAR(50) NOT NULL COMMENT '操作分类(USER_MGMT/ROLE_MGMT/SYSTEM_CONFIG/TENANT_MGMT等)',
    operation_name VARCHAR(200) NOT NULL COMMENT '操作名称',
    target_type VARCHAR(50) COMMENT '目标类型(USER/ROLE/TENANT/SYSTEM等)',
    target_id VARCHAR(100) COMMENT '目标ID',
    target_name VARCHAR(200) COMMENT '目标名称',
    
    -- 风险和敏感性（继承自 audit_request_log）
    risk_level TINYINT DEFAULT 1 COMMENT '风险等级(1:低 2:中 3:高 4:严重)',
    is_sensitive TINYINT DEFAULT 0 COMMENT '是否敏感操作(0:否 1:是)',
    
    -- 审批流程（管理员操作特有）
    approval_required TINYINT DEFAULT 0 COMMENT '是否需要审批(0:否 1:是)',
    approval_status VARCHAR(20) COMMENT '审批状态(PENDING/APPROVED/REJECTED)',
    approver_id BIGINT COMMENT '审批人ID',
    approval_time DATETIME COMMENT '审批时间',
    approval_comment TEXT COMMENT '审批意见',
    
    -- 合规和归档（继承自 audit_request_log）
    compliance_tags VARCHAR(200) COMMENT '合规标签',
    archive_status TINYINT DEFAULT 0 COMMENT '归档状态(0:未归档 1:已归档)',
    created_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_time DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    
    -- 核心查询索引（时间字段放在最后支持范围查询）
    INDEX idx_tenant_time (tenant_id, created_time),
    INDEX idx_tenant_admin (tenant_id, user_id, created_time),
    INDEX idx_tenant_ip (tenant_id, ip_address, created_time),
    INDEX idx_tenant_module (tenant_id, module, created_time),
    INDEX idx_tenant_operation (tenant_id, operation_name, created_time),
    INDEX idx_tenant_target (tenant_id, target_type, target_id, created_time),
    INDEX idx_tenant_sensitive (tenant_id, is_sensitive, created_time),
    INDEX idx_tenant_archive (tenant_id, archive_status, created_time)
) COMMENT='管理员操作审计日志表';`,
};
