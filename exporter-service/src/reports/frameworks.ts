import type { ReportFramework } from '@auditlens/contract/rest';
import type { CheckId } from './checks.js';

/**
 * The controls each framework's report covers, and the checks (reports/checks.ts) whose
 * results decide each control's status: not_applicable when every check is, gap when any check
 * is, met otherwise. Check ids with a `:` carry a parameter (fields required, alert categories).
 */
export interface ControlDef {
  id: string;
  title: string;
  /** The clause's name in Chinese (GB/T 22239-2019 and the Cybersecurity Law), for zh-CN reports. */
  titleZh?: string;
  requirement: string;
  checks: CheckId[];
}

export interface FrameworkDef {
  id: ReportFramework;
  name: string;
  nameZh?: string;
  version: string;
  controls: ControlDef[];
}

export const FRAMEWORKS: Record<ReportFramework, FrameworkDef> = {
  mlps3: {
    id: 'mlps3',
    name: 'MLPS 2.0 level 3 (GB/T 22239-2019) and Cybersecurity Law',
    nameZh: '网络安全等级保护 2.0 第三级（GB/T 22239-2019）及《网络安全法》',
    version: 'GB/T 22239-2019 level 3; CSL',
    controls: [
      {
        id: '8.1.4.3 a)',
        title: 'Security audit enabled, covering every user, important user behaviour and security events',
        titleZh: '安全审计 a)：启用安全审计功能，审计覆盖每个用户，对重要用户行为和重要安全事件进行审计',
        requirement:
          '应启用安全审计功能，审计覆盖到每个用户，对重要的用户行为和重要安全事件进行审计 (audit enabled for every user; important user behaviour and security events audited)',
        checks: ['events.login', 'events.admin', 'events.security', 'events.user_activity'],
      },
      {
        id: '8.1.4.3 b)',
        title: 'Audit records hold date and time, user, event type, outcome and other audit information',
        titleZh: '安全审计 b)：审计记录包括事件的日期和时间、用户、事件类型、事件是否成功及其他审计相关信息',
        requirement:
          '审计记录应包括事件的日期和时间、用户、事件类型、事件是否成功及其他与审计相关的信息 (date/time, user, event type, success, other relevant information)',
        checks: ['fields:time,user,type,result,origin'],
      },
      {
        id: '8.1.4.3 c)',
        title: 'Audit records protected against unexpected deletion, modification or overwriting',
        titleZh: '安全审计 c)：对审计记录进行保护，避免受到未预期的删除、修改或覆盖',
        requirement:
          '应对审计记录进行保护，定期备份，避免受到未预期的删除、修改或覆盖等 (records protected and backed up against deletion, modification, overwriting)',
        checks: ['integrity', 'retention'],
      },
      {
        id: '8.1.4.3 d)',
        title: 'Audit process protected against unauthorised interruption',
        titleZh: '安全审计 d)：对审计进程进行保护，防止未经授权的中断',
        requirement: '应对审计进程进行保护，防止未经授权的中断 (audit process protected from interruption)',
        checks: ['pipeline', 'alerts:silence'],
      },
      {
        id: '8.1.4.7',
        title: 'Data integrity of important data, audit data included, by checksums or cryptography',
        titleZh: '数据完整性：采用校验技术或密码技术保证重要数据（含审计数据）的完整性',
        requirement:
          '应采用校验技术或密码技术保证重要数据在传输和存储过程中的完整性，包括重要审计数据 (integrity of important audit data in transit and at rest)',
        checks: ['integrity'],
      },
      {
        id: '8.1.5.2',
        title: 'Audit management: authenticated audit administrators, their operations audited',
        titleZh: '审计管理：对审计管理员进行身份鉴别，并对其操作进行审计',
        requirement:
          '应对审计管理员进行身份鉴别，只允许其通过特定的命令或操作界面进行安全审计操作，并对这些操作进行审计 (audit administrators authenticated; their operations audited)',
        checks: ['access_control', 'access_log'],
      },
      {
        id: '8.1.5.4',
        title:
          'Centralised control: audit data collected centrally, retained as the law requires, security events alerted',
        titleZh: '集中管控：集中收集和分析审计数据，留存时间符合法律法规要求，对安全事件识别和报警',
        requirement:
          '应对分散在各个设备上的审计数据进行收集汇总和集中分析，并保证审计记录的留存时间符合法律法规要求；应能对网络中发生的各类安全事件进行识别、报警和分析 (central collection, lawful retention, detection and alerting)',
        checks: ['retention', 'alerts:failed_login,high_risk', 'pipeline'],
      },
      {
        id: 'CSL 23(3)',
        title: 'Network operation and security events monitored and recorded; logs kept at least six months',
        titleZh:
          '《网络安全法》第二十三条第（三）项：监测、记录网络运行状态和网络安全事件，网络日志留存不少于六个月',
        requirement:
          '采取监测、记录网络运行状态、网络安全事件的技术措施，并按照规定留存相关的网络日志不少于六个月 (monitor and record; keep network logs ≥ six months)',
        checks: ['events.security', 'retention'],
      },
    ],
  },
  'pci-dss-4': {
    id: 'pci-dss-4',
    name: 'PCI DSS v4.0 Requirement 10',
    version: 'v4.0',
    controls: [
      {
        id: '10.2.1',
        title: 'Audit logs are enabled and active',
        requirement: 'Audit logs are enabled and active for all system components and cardholder data.',
        checks: ['events.any', 'pipeline'],
      },
      {
        id: '10.2.1.1',
        title: 'Individual user access to cardholder data',
        requirement: 'Audit logs capture all individual user access to cardholder data.',
        checks: ['events.data_access'],
      },
      {
        id: '10.2.1.2',
        title: 'Actions by individuals with administrative access',
        requirement: 'Audit logs capture all actions taken by any individual with administrative access.',
        checks: ['events.admin'],
      },
      {
        id: '10.2.1.3',
        title: 'Access to audit logs',
        requirement: 'Audit logs capture all access to audit logs.',
        checks: ['access_log'],
      },
      {
        id: '10.2.1.4',
        title: 'Invalid logical access attempts',
        requirement: 'Audit logs capture all invalid logical access attempts.',
        checks: ['events.auth_failure'],
      },
      {
        id: '10.2.1.5',
        title: 'Changes to identification and authentication credentials',
        requirement:
          'Audit logs capture all changes to identification and authentication credentials (new accounts, elevation of privileges, changes to administrative accounts).',
        checks: ['events.privilege'],
      },
      {
        id: '10.2.1.6',
        title: 'Initialization, starting, stopping or pausing of the audit logs',
        requirement:
          'Audit logs capture initialization, starting, stopping, or pausing of the existing audit logs.',
        checks: ['events.audit_lifecycle'],
      },
      {
        id: '10.2.1.7',
        title: 'Creation and deletion of system-level objects',
        requirement: 'Audit logs capture all creation and deletion of system-level objects.',
        checks: ['events.system_objects'],
      },
      {
        id: '10.2.2',
        title: 'Audit log details',
        requirement:
          'Audit logs record user identification, type of event, date and time, success or failure, origination of event, and identity or name of affected data, system component, resource, or service.',
        checks: ['fields:user,type,time,result,origin,resource'],
      },
      {
        id: '10.3.1',
        title: 'Read access to audit logs limited',
        requirement: 'Read access to audit logs files is limited to those with a job-related need.',
        checks: ['access_control'],
      },
      {
        id: '10.3.2',
        title: 'Audit logs protected from modification',
        requirement: 'Audit log files are protected to prevent modifications by individuals.',
        checks: ['integrity'],
      },
      {
        id: '10.3.3',
        title: 'Audit logs backed up to a central, hard-to-modify store',
        requirement:
          'Audit log files, including those for external-facing technologies, are promptly backed up to a secure, central, internal log server(s) or other media that is difficult to modify.',
        checks: ['store', 'integrity'],
      },
      {
        id: '10.3.4',
        title: 'File integrity monitoring or change detection on audit logs',
        requirement:
          'File integrity monitoring or change-detection mechanisms is used on audit logs to ensure that existing log data cannot be changed without generating alerts.',
        checks: ['integrity'],
      },
      {
        id: '10.4.1',
        title: 'Audit logs reviewed at least daily (automated mechanisms, 10.4.1.1)',
        requirement:
          'Security events, and logs of critical system components, are reviewed at least once daily; automated mechanisms are used to perform audit log reviews.',
        checks: ['alerts:failed_login,privilege,high_risk'],
      },
      {
        id: '10.5.1',
        title: 'Retention: 12 months, three months immediately available',
        requirement:
          'Retain audit log history for at least 12 months, with at least the most recent three months immediately available for analysis.',
        checks: ['retention'],
      },
      {
        id: '10.7.2',
        title: 'Failures of critical security control systems detected and alerted',
        requirement:
          'Failures of critical security control systems, including audit logging mechanisms, are detected, alerted, and addressed promptly.',
        checks: ['alerts:silence', 'pipeline'],
      },
    ],
  },
  soc2: {
    id: 'soc2',
    name: 'SOC 2 (Trust Services Criteria, Common Criteria CC7)',
    version: 'TSC 2017 (revised points of focus 2022)',
    controls: [
      {
        id: 'CC7.2',
        title: 'System components monitored for anomalies indicative of malicious acts, disasters and errors',
        requirement:
          'The entity monitors system components and the operation of those components for anomalies that are indicative of malicious acts, natural disasters, and errors affecting the entity’s ability to meet its objectives; anomalies are analyzed to determine whether they represent security events.',
        checks: ['alerts:failed_login,high_risk,silence', 'events.security', 'pipeline'],
      },
      {
        id: 'CC7.3',
        title: 'Security events evaluated to determine whether they are incidents',
        requirement:
          'The entity evaluates security events to determine whether they could or have resulted in a failure of the entity to meet its objectives (security incidents) and, if so, takes actions to prevent or address such failures.',
        checks: ['triage'],
      },
    ],
  },
  iso27001: {
    id: 'iso27001',
    name: 'ISO/IEC 27001:2022 Annex A',
    version: '2022',
    controls: [
      {
        id: 'A.8.15',
        title: 'Logging',
        requirement:
          'Logs that record activities, exceptions, faults and other relevant events should be produced, stored, protected and analysed.',
        checks: [
          'events.user_activity',
          'events.security',
          'fields:time,user,type,result,origin',
          'integrity',
          'retention',
        ],
      },
      {
        id: 'A.8.16',
        title: 'Monitoring activities',
        requirement:
          'Networks, systems and applications should be monitored for anomalous behaviour and appropriate actions taken to evaluate potential information security incidents.',
        checks: ['alerts:failed_login,high_risk,silence', 'pipeline'],
      },
      {
        id: 'A.8.17',
        title: 'Clock synchronization',
        requirement:
          'The clocks of information processing systems used by the organization should be synchronized to approved time sources.',
        checks: ['clock'],
      },
    ],
  },
};
