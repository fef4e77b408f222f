//! The data sets the simulator starts with: `empty`, or `demo` (the article's people and
//! records: Alice Johnson, David Smith, Sarah Connor in Network Ops, the Network Security
//! group, KB articles for ORA-01033 and VPN reset, an active "Memory Leak" problem, 28
//! incidents, ...). sys_ids are deterministic (`seed_id`), numbers sequential, so the
//! docs and tests can rely on both. Tables no spec documents are skipped.

use crate::access::user_sys_id;
use crate::platform::{self, format_datetime, Actor};
use crate::schema::Schema;
use crate::store::{stable_sys_id, Row, Store};
use std::collections::BTreeSet;

/// Which data set to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedKind {
    Demo,
    Empty,
}

impl SeedKind {
    pub fn parse(value: &str) -> Option<SeedKind> {
        match value {
            "demo" => Some(SeedKind::Demo),
            "empty" => Some(SeedKind::Empty),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SeedKind::Demo => "demo",
            SeedKind::Empty => "empty",
        }
    }
}

/// The seeded store and the seed tables skipped for lack of a spec.
pub struct Seeded {
    pub store: Store,
    pub skipped_tables: Vec<String>,
}

/// The demo sys_id of the record `key` in `table`: the first 32 hex digits of
/// SHA-256 of `"<table>:<key>"` (users are keyed by user_name).
pub fn seed_id(table: &str, key: &str) -> String {
    if table == "sys_user" {
        return user_sys_id(key);
    }
    stable_sys_id(&format!("{table}:{key}"))
}

/// The VPN article keeps the sys_id the source article's example prompt uses.
pub const VPN_ARTICLE_SYS_ID: &str = "8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d";

/// 2025-06-02 08:00:00 UTC: demo records are dated from here.
const BASE_TIME: i64 = 1_748_851_200;
const HOUR: i64 = 3600;

pub fn build(kind: SeedKind, schema: &Schema) -> Seeded {
    let mut builder = Builder {
        schema,
        store: Store::default(),
        skipped: BTreeSet::new(),
    };
    if kind == SeedKind::Demo {
        demo(&mut builder);
    }
    Seeded {
        store: builder.store,
        skipped_tables: builder.skipped.into_iter().collect(),
    }
}

/// When and by whom a seed record was created and last updated.
#[derive(Clone, Copy)]
struct Meta<'a> {
    created: i64,
    updated: i64,
    created_by: &'a str,
    updated_by: &'a str,
}

fn meta(created_hours: i64, by: &str) -> Meta<'_> {
    Meta {
        created: BASE_TIME + created_hours * HOUR,
        updated: BASE_TIME + created_hours * HOUR,
        created_by: by,
        updated_by: by,
    }
}

struct Builder<'a> {
    schema: &'a Schema,
    store: Store,
    skipped: BTreeSet<String>,
}

impl Builder<'_> {
    /// Adds a record with the deterministic id of `key`.
    fn add(&mut self, table: &str, key: &str, m: Meta<'_>, fields: &[(&str, &str)]) -> String {
        let sys_id = seed_id(table, key);
        self.add_with_id(table, &sys_id, m, fields);
        sys_id
    }

    /// Adds a record the way an insert would: system fields, number, dictionary
    /// defaults and business rules (empty values in `fields` are left unset).
    fn add_with_id(
        &mut self,
        table_name: &str,
        sys_id: &str,
        m: Meta<'_>,
        fields: &[(&str, &str)],
    ) {
        let Some(table) = self.schema.table(table_name) else {
            self.skipped.insert(table_name.to_string());
            return;
        };
        let created = format_datetime(m.created);
        let updated = format_datetime(m.updated);
        let mut row = Row::new();
        for (column, value) in [
            ("sys_id", sys_id),
            ("sys_created_on", created.as_str()),
            ("sys_created_by", m.created_by),
            ("sys_updated_on", updated.as_str()),
            ("sys_updated_by", m.updated_by),
            (
                "sys_mod_count",
                if m.created == m.updated { "0" } else { "2" },
            ),
            ("sys_class_name", table_name),
            ("sys_domain", "global"),
            ("sys_tags", ""),
        ] {
            row.insert(column.to_string(), value.to_string());
        }
        for (column, value) in fields {
            if !value.is_empty() {
                row.insert(column.to_string(), value.to_string());
            }
        }
        if let Some(prefix) = &table.number_prefix {
            if !row.contains_key("number") {
                let number = self.store.next_number(table_name, prefix);
                row.insert("number".to_string(), number);
            }
        }
        let creator_id = user_sys_id(m.created_by);
        let updater_id = user_sys_id(m.updated_by);
        let creator = Actor {
            user_name: m.created_by,
            user_sys_id: &creator_id,
        };
        let updater = Actor {
            user_name: m.updated_by,
            user_sys_id: &updater_id,
        };
        platform::apply_insert_defaults(table, &mut row, creator, &created);
        platform::apply_business_rules(table, None, &mut row, updater, &updated);
        self.store.insert(table_name, row);
    }

    /// A journal entry (work note or comment) on a seeded record.
    fn journal(
        &mut self,
        table: &str,
        record: &str,
        element: &str,
        hours: i64,
        by: &str,
        value: &str,
    ) {
        let key = format!("{table}:{record}:{element}:{hours}");
        let created = format_datetime(BASE_TIME + hours * HOUR);
        let row: Row = [
            (
                "sys_id",
                stable_sys_id(&format!("sys_journal_field:{key}")).as_str(),
            ),
            ("element", element),
            ("element_id", record),
            ("name", table),
            ("value", value),
            ("sys_created_on", created.as_str()),
            ("sys_created_by", by),
            ("sys_updated_on", created.as_str()),
            ("sys_updated_by", by),
            ("sys_mod_count", "0"),
            ("sys_class_name", "sys_journal_field"),
            ("sys_domain", "global"),
            ("sys_tags", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        self.store.insert("sys_journal_field", row);
    }
}

/// One demo person (and the three API accounts).
struct SeedUser {
    user_name: &'static str,
    first: &'static str,
    last: &'static str,
    title: &'static str,
    /// `finance` or `it`.
    department: &'static str,
    manager: &'static str,
    active: &'static str,
    phone: &'static str,
}

const USERS: &[SeedUser] = &[
    SeedUser {
        user_name: "admin",
        first: "System",
        last: "Administrator",
        title: "System Administrator",
        department: "it",
        manager: "",
        active: "true",
        phone: "",
    },
    SeedUser {
        user_name: "itil",
        first: "ITIL",
        last: "User",
        title: "Service Desk Integration",
        department: "it",
        manager: "",
        active: "true",
        phone: "",
    },
    SeedUser {
        user_name: "readonly",
        first: "Read",
        last: "Only",
        title: "Reporting Integration",
        department: "it",
        manager: "",
        active: "true",
        phone: "",
    },
    SeedUser {
        user_name: "fred.luddy",
        first: "Fred",
        last: "Luddy",
        title: "Chief Technology Officer",
        department: "it",
        manager: "",
        active: "true",
        phone: "+1 619 555 0100",
    },
    SeedUser {
        user_name: "alice.johnson",
        first: "Alice",
        last: "Johnson",
        title: "Financial Analyst",
        department: "finance",
        manager: "carol.white",
        active: "true",
        phone: "+1 619 555 0142",
    },
    SeedUser {
        user_name: "david.smith",
        first: "David",
        last: "Smith",
        title: "Database Administrator",
        department: "it",
        manager: "fred.luddy",
        active: "true",
        phone: "+1 619 555 0117",
    },
    SeedUser {
        user_name: "sarah.connor",
        first: "Sarah",
        last: "Connor",
        title: "Network Engineer",
        department: "it",
        manager: "fred.luddy",
        active: "true",
        phone: "+1 619 555 0129",
    },
    SeedUser {
        user_name: "beth.anglin",
        first: "Beth",
        last: "Anglin",
        title: "Service Desk Analyst",
        department: "it",
        manager: "fred.luddy",
        active: "true",
        phone: "+1 619 555 0150",
    },
    SeedUser {
        user_name: "bob.martinez",
        first: "Bob",
        last: "Martinez",
        title: "Security Engineer",
        department: "it",
        manager: "fred.luddy",
        active: "true",
        phone: "+1 619 555 0163",
    },
    SeedUser {
        user_name: "priya.patel",
        first: "Priya",
        last: "Patel",
        title: "Database Administrator",
        department: "it",
        manager: "david.smith",
        active: "true",
        phone: "+44 20 7946 0321",
    },
    SeedUser {
        user_name: "carol.white",
        first: "Carol",
        last: "White",
        title: "Finance Director",
        department: "finance",
        manager: "",
        active: "true",
        phone: "+1 619 555 0108",
    },
    SeedUser {
        user_name: "james.wilson",
        first: "James",
        last: "Wilson",
        title: "Accounts Payable Clerk",
        department: "finance",
        manager: "carol.white",
        active: "false",
        phone: "",
    },
];

/// `(key, name, description, manager, email)`.
const GROUPS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "network_ops",
        "Network Ops",
        "Runs the corporate network: LAN, WAN, Wi-Fi, VPN, DNS.",
        "sarah.connor",
        "network-ops@example.com",
    ),
    (
        "network_security",
        "Network Security",
        "Firewalls, intrusion detection, security incidents.",
        "bob.martinez",
        "netsec@example.com",
    ),
    (
        "database_admins",
        "Database Admins",
        "Oracle and PostgreSQL databases, backups, patching.",
        "david.smith",
        "dba@example.com",
    ),
    (
        "service_desk",
        "Service Desk",
        "First-line support for every employee.",
        "beth.anglin",
        "servicedesk@example.com",
    ),
];

/// `(group key, user_name)`.
const MEMBERSHIPS: &[(&str, &str)] = &[
    ("network_ops", "sarah.connor"),
    ("network_ops", "fred.luddy"),
    ("network_security", "bob.martinez"),
    ("network_security", "sarah.connor"),
    ("database_admins", "david.smith"),
    ("database_admins", "priya.patel"),
    ("service_desk", "beth.anglin"),
    ("service_desk", "itil"),
    ("service_desk", "admin"),
];

/// `(role, description)`.
const ROLES: &[(&str, &str)] = &[
    ("admin", "Full access to every application and table."),
    (
        "itil",
        "Fulfils incidents, problems and changes (ITIL process user).",
    ),
    ("knowledge", "Creates and edits knowledge articles."),
];

/// `(user_name, role)`.
const ROLE_GRANTS: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("fred.luddy", "admin"),
    ("itil", "itil"),
    ("beth.anglin", "itil"),
    ("david.smith", "itil"),
    ("sarah.connor", "itil"),
    ("bob.martinez", "itil"),
    ("priya.patel", "itil"),
    ("beth.anglin", "knowledge"),
    ("david.smith", "knowledge"),
];

/// `(key, name, sys_class_name, ip_address, short_description)`.
const CIS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "sd-app-01",
        "sd-app-01",
        "cmdb_ci_linux_server",
        "10.20.1.11",
        "Application server for the finance portal and payment service",
    ),
    (
        "sd-db-01",
        "sd-db-01",
        "cmdb_ci_linux_server",
        "10.20.1.21",
        "Database server hosting ORAPROD",
    ),
    (
        "oraprod",
        "ORAPROD",
        "cmdb_ci_db_ora_instance",
        "10.20.1.21",
        "Production Oracle 19c instance (finance, payments)",
    ),
    (
        "payment_service",
        "Payment Service",
        "cmdb_ci_service",
        "",
        "Business service that authorises and settles customer payments",
    ),
    (
        "fw-core-01",
        "FW-CORE-01",
        "cmdb_ci_ip_firewall",
        "10.20.0.1",
        "Core firewall, San Diego data centre",
    ),
    (
        "vpn-gw-01",
        "vpn-gw-01",
        "cmdb_ci_ip_router",
        "203.0.113.10",
        "Remote-access VPN gateway (vpn.example.com)",
    ),
];

const ORA_01033_TEXT: &str = "<h2>Symptoms</h2>\
<p>Applications fail to connect with <code>ORA-01033: ORACLE initialization or shutdown in progress</code>. \
The finance portal shows \"Database unavailable\".</p>\
<h2>Cause</h2>\
<p>The instance is not open: it is still starting, is shutting down, or stopped in MOUNT state \
(for example after a crash or an interrupted patch).</p>\
<h2>Resolution</h2>\
<ol>\
<li>Check whether a restart or patch window is in progress (change requests for ORAPROD). If so, wait for it to finish.</li>\
<li>Log on to the database server <code>sd-db-01</code> as the <code>oracle</code> user and run <code>sqlplus / as sysdba</code>.</li>\
<li>Check the state: <code>SELECT status FROM v$instance;</code> MOUNTED or STARTED means the database is not open.</li>\
<li>Open it: <code>ALTER DATABASE OPEN;</code> If Oracle asks for media recovery, run <code>RECOVER DATABASE;</code> then <code>ALTER DATABASE OPEN;</code></li>\
<li>Read the alert log (<code>$ORACLE_BASE/diag/rdbms/oraprod/ORAPROD/trace/alert_ORAPROD.log</code>) for the root cause and attach it to the incident.</li>\
<li>Ask the user to retry and confirm the application reconnects.</li>\
</ol>\
<p>If the database does not open, escalate to the Database Admins group.</p>";

const VPN_RESET_TEXT: &str = "<h2>How to reset your VPN connection</h2>\
<ol>\
<li>Disconnect the VPN client (system tray icon &gt; Disconnect).</li>\
<li>Quit the client completely and wait 10 seconds.</li>\
<li>Clear saved credentials: open the client, Settings &gt; Reset saved credentials.</li>\
<li>Start the client, connect to <code>vpn.example.com</code> with your network user name and password, and approve the MFA prompt.</li>\
<li>Still failing: reboot the laptop and try another network (a mobile hotspot) to rule out the home router.</li>\
<li>Still failing: open an incident with category Network, with the time of the failure and the exact error text.</li>\
</ol>";

/// `(key, short_description, category, workflow_state, author, text)`.
const ARTICLES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("ora-01033", "ORA-01033: ORACLE initialization or shutdown in progress", "databases", "published", "david.smith", ORA_01033_TEXT),
    ("vpn-reset", "How to reset your VPN connection", "network", "published", "sarah.connor", VPN_RESET_TEXT),
    (
        "outlook-password",
        "Outlook keeps prompting for a password",
        "applications",
        "published",
        "beth.anglin",
        "<p>Close Outlook, open Credential Manager, remove every entry that starts with <code>MicrosoftOffice</code>, \
         start Outlook and sign in once. If the prompt returns, check that the account is not locked out.</p>",
    ),
    (
        "mfa-new-phone",
        "Enrolling a new phone for multi-factor authentication",
        "end_user",
        "published",
        "bob.martinez",
        "<p>Sign in to the self-service portal from a trusted computer, choose Security &gt; MFA devices, \
         remove the old phone and scan the QR code with the authenticator app on the new one.</p>",
    ),
    (
        "finance-portal-access",
        "Requesting access to the finance portal",
        "applications",
        "published",
        "beth.anglin",
        "<p>Access needs your manager's approval. Order \"Finance portal access\" in the service catalog; \
         the Finance Director approves, then the Service Desk grants the role within one business day.</p>",
    ),
    (
        "payment-heap-dump",
        "Payment service: collecting a heap dump",
        "applications",
        "draft",
        "priya.patel",
        "<p>Draft. On sd-app-01 run <code>jcmd $(pgrep -f payment-service) GC.heap_dump /var/tmp/payment.hprof</code> \
         and attach the file to the problem record.</p>",
    ),
];

/// One demo incident; unset fields take the defaults in [`INC`].
struct SeedIncident {
    short: &'static str,
    description: &'static str,
    caller: &'static str,
    category: &'static str,
    subcategory: &'static str,
    state: &'static str,
    impact: &'static str,
    urgency: &'static str,
    group: &'static str,
    assigned: &'static str,
    ci: &'static str,
    problem: &'static str,
    hold_reason: &'static str,
    close_code: &'static str,
    close_notes: &'static str,
    opened_by: &'static str,
    /// Hours after the base time the incident was opened.
    opened: i64,
    /// Hours from opening to the last update (resolution or closure).
    worked: i64,
}

const INC: SeedIncident = SeedIncident {
    short: "",
    description: "",
    caller: "",
    category: "inquiry",
    subcategory: "",
    state: "1",
    impact: "3",
    urgency: "3",
    group: "service_desk",
    assigned: "",
    ci: "",
    problem: "",
    hold_reason: "",
    close_code: "",
    close_notes: "",
    opened_by: "beth.anglin",
    opened: 0,
    worked: 0,
};

const INCIDENTS: &[SeedIncident] = &[
    SeedIncident { short: "VPN drops every 10 minutes when working from home", description: "Connection to vpn.example.com drops every ~10 minutes since Monday; reconnecting works.", caller: "alice.johnson", category: "network", subcategory: "vpn", state: "2", urgency: "2", group: "network_ops", assigned: "sarah.connor", ci: "vpn-gw-01", opened: 2, worked: 3, ..INC },
    SeedIncident { short: "Outlook keeps asking for my password", description: "Password prompt appears every few minutes after the password change.", caller: "carol.white", category: "software", subcategory: "email", opened: 5, ..INC },
    SeedIncident { short: "Payment service returning HTTP 500 errors", description: "Checkout fails for about 5% of payments; errors started after the nightly batch.", caller: "fred.luddy", category: "software", subcategory: "internal application", state: "2", impact: "1", urgency: "1", group: "database_admins", assigned: "david.smith", ci: "payment_service", problem: "memory_leak", opened: 9, worked: 2, ..INC },
    SeedIncident { short: "Payment API latency above 5 seconds", description: "p95 latency of the payment API climbs during the day until the service restarts.", caller: "beth.anglin", category: "software", subcategory: "internal application", state: "3", hold_reason: "3", impact: "2", urgency: "1", group: "database_admins", assigned: "priya.patel", ci: "payment_service", problem: "memory_leak", opened: 14, worked: 6, ..INC },
    SeedIncident { short: "Suspicious login attempts on the finance portal", description: "Dozens of failed logins for finance accounts from an unknown IP range overnight.", caller: "alice.johnson", category: "security", state: "2", impact: "1", urgency: "2", group: "network_security", assigned: "bob.martinez", ci: "fw-core-01", opened: 20, worked: 1, ..INC },
    SeedIncident { short: "Phishing email reported by the Finance team", description: "Email pretending to be from the CFO asks for an urgent wire transfer.", caller: "carol.white", category: "security", subcategory: "email", state: "6", impact: "2", urgency: "2", group: "network_security", assigned: "bob.martinez", close_code: "Solution provided", close_notes: "Sender domain blocked at the gateway; message purged from all mailboxes.", opened: 26, worked: 5, ..INC },
    SeedIncident { short: "Firewall blocking the payroll export", description: "Nightly payroll export to the bank's SFTP server times out since the firewall change.", caller: "carol.white", category: "security", impact: "2", urgency: "2", group: "network_security", ci: "fw-core-01", opened: 31, ..INC },
    SeedIncident { short: "Printer on the 3rd floor keeps jamming", description: "HP printer near the finance area jams on every second page.", caller: "alice.johnson", category: "hardware", state: "7", group: "service_desk", assigned: "beth.anglin", close_code: "Solution provided", close_notes: "Replaced the worn pickup roller.", opened: 36, worked: 30, ..INC },
    SeedIncident { short: "Laptop battery is swelling", description: "Trackpad is pushed up; the laptop gets hot when charging.", caller: "david.smith", category: "hardware", state: "2", impact: "2", urgency: "2", assigned: "beth.anglin", opened: 40, worked: 2, ..INC },
    SeedIncident { short: "Reset my MFA device", description: "New phone; the authenticator app no longer has my account.", caller: "alice.johnson", category: "inquiry", state: "6", assigned: "beth.anglin", close_code: "Solution provided", close_notes: "Old device removed; user enrolled the new phone following the MFA article.", opened: 47, worked: 1, ..INC },
    SeedIncident { short: "Database backup job failed on sd-db-01", description: "RMAN level 0 backup ended with RMAN-03009 last night.", caller: "priya.patel", category: "database", subcategory: "oracle", state: "2", impact: "2", urgency: "1", group: "database_admins", assigned: "david.smith", ci: "sd-db-01", opened: 52, worked: 4, ..INC },
    SeedIncident { short: "ORAPROD tablespace almost full", description: "USERS tablespace at 94%; monitoring threshold is 90%.", caller: "david.smith", category: "database", subcategory: "oracle", impact: "2", urgency: "2", group: "database_admins", ci: "oraprod", opened: 58, ..INC },
    SeedIncident { short: "Wi-Fi unstable in the London office", description: "Clients on the 2nd floor lose Wi-Fi several times per hour.", caller: "priya.patel", category: "network", subcategory: "wireless", state: "3", hold_reason: "4", urgency: "2", group: "network_ops", assigned: "sarah.connor", opened: 63, worked: 8, ..INC },
    SeedIncident { short: "Core switch port flapping", description: "Port Gi1/0/24 on the core switch goes up and down; uplink to the 3rd floor affected.", caller: "sarah.connor", category: "network", subcategory: "ip address", state: "7", impact: "2", urgency: "1", group: "network_ops", assigned: "sarah.connor", close_code: "Solution provided", close_notes: "Replaced the faulty SFP module.", opened: 70, worked: 26, ..INC },
    SeedIncident { short: "Cannot open the shared Finance drive", description: "Access denied on \\\\fileserver\\finance.", caller: "carol.white", category: "software", state: "8", opened: 75, worked: 1, ..INC },
    SeedIncident { short: "New hire needs access to the expense tool", description: "Starter on Monday in Finance needs an expense tool account.", caller: "carol.white", category: "inquiry", opened: 81, ..INC },
    SeedIncident { short: "Excel crashes when opening the budget file", description: "Excel closes without an error when opening Budget-2025.xlsx.", caller: "alice.johnson", category: "software", subcategory: "internal application", state: "2", urgency: "2", assigned: "beth.anglin", opened: 86, worked: 3, ..INC },
    SeedIncident { short: "Email delivery to partners delayed", description: "Outbound mail to partner domains arrives 30-60 minutes late.", caller: "fred.luddy", category: "network", subcategory: "email", state: "2", impact: "2", urgency: "2", assigned: "beth.anglin", problem: "email_delays", opened: 92, worked: 5, ..INC },
    SeedIncident { short: "Slow response from sd-app-01", description: "Finance portal pages take 20+ seconds to load.", caller: "beth.anglin", category: "software", subcategory: "internal application", state: "6", impact: "2", urgency: "3", group: "database_admins", assigned: "priya.patel", ci: "sd-app-01", close_code: "Workaround provided", close_notes: "Restarted the payment service JVM; root cause tracked in the memory leak problem.", problem: "memory_leak", opened: 98, worked: 3, ..INC },
    SeedIncident { short: "Malware alert on workstation FIN-042", description: "Endpoint protection quarantined a trojan downloader on FIN-042.", caller: "alice.johnson", category: "security", subcategory: "antivirus", state: "6", impact: "1", urgency: "1", group: "network_security", assigned: "bob.martinez", close_code: "Solution provided", close_notes: "Workstation re-imaged; credentials of the user rotated.", opened: 104, worked: 7, ..INC },
    SeedIncident { short: "Password expired for the reporting service account", description: "Nightly reports failed: ORA-28001 for user RPT_SVC.", caller: "david.smith", category: "inquiry", state: "7", urgency: "2", assigned: "beth.anglin", close_code: "User error", close_notes: "Password rotated and the account moved to a non-expiring profile.", opened: 110, worked: 28, ..INC },
    SeedIncident { short: "DNS lookups failing in the London office", description: "Intermittent NXDOMAIN for internal names from London clients.", caller: "sarah.connor", category: "network", subcategory: "dns", state: "7", impact: "2", urgency: "2", group: "network_ops", assigned: "sarah.connor", close_code: "Resolved by problem", close_notes: "Fixed by the DNS forwarder change from the related problem.", problem: "dns_failures", opened: 115, worked: 40, ..INC },
    SeedIncident { short: "Payment batch job stuck in RUNNING", description: "Settlement batch has not finished for 3 hours; no log output since 02:10.", caller: "fred.luddy", category: "software", subcategory: "internal application", state: "2", impact: "1", urgency: "2", group: "database_admins", assigned: "david.smith", ci: "payment_service", problem: "memory_leak", opened: 121, worked: 2, ..INC },
    SeedIncident { short: "Monitor flickering", description: "External monitor flickers when the laptop is docked.", caller: "james.wilson", category: "hardware", subcategory: "monitor", state: "7", assigned: "beth.anglin", close_code: "Solution provided", close_notes: "Replaced the DisplayPort cable.", opened: 127, worked: 26, ..INC },
    SeedIncident { short: "VPN certificate warning at login", description: "The VPN client warns that the server certificate expires soon.", caller: "bob.martinez", category: "network", subcategory: "vpn", group: "network_ops", ci: "vpn-gw-01", opened: 133, ..INC },
    SeedIncident { short: "Unable to approve invoices in the finance portal", description: "The Approve button is greyed out for invoices above 10,000.", caller: "alice.johnson", category: "software", subcategory: "internal application", impact: "2", urgency: "2", ci: "sd-app-01", opened: 138, ..INC },
    SeedIncident { short: "Badge reader offline at the HQ entrance", description: "Staff cannot badge in at the main entrance; reception is letting people in.", caller: "beth.anglin", category: "hardware", state: "2", impact: "2", urgency: "3", assigned: "beth.anglin", opened: 144, worked: 1, ..INC },
    SeedIncident { short: "New Oracle schema for finance reporting", description: "Reporting team asks for a read-only schema with the GL views.", caller: "priya.patel", category: "database", subcategory: "oracle", state: "3", hold_reason: "1", group: "database_admins", assigned: "david.smith", ci: "oraprod", opened: 150, worked: 4, ..INC },
];

fn demo(b: &mut Builder<'_>) {
    // Organisation: companies, a location, departments.
    let acme = b.add(
        "core_company",
        "acme",
        meta(-2000, "admin"),
        &[
            ("name", "Acme Corporation"),
            ("city", "San Diego"),
            ("state", "CA"),
            ("country", "USA"),
            ("customer", "true"),
            ("vendor", "false"),
            ("manufacturer", "false"),
        ],
    );
    let oracle = b.add(
        "core_company",
        "oracle",
        meta(-2000, "admin"),
        &[
            ("name", "Oracle"),
            ("city", "Austin"),
            ("country", "USA"),
            ("customer", "false"),
            ("vendor", "true"),
            ("manufacturer", "true"),
        ],
    );
    let cisco = b.add(
        "core_company",
        "cisco",
        meta(-2000, "admin"),
        &[
            ("name", "Cisco Systems"),
            ("city", "San Jose"),
            ("country", "USA"),
            ("customer", "false"),
            ("vendor", "true"),
            ("manufacturer", "true"),
        ],
    );
    let hq = b.add(
        "cmn_location",
        "san_diego_hq",
        meta(-2000, "admin"),
        &[
            ("name", "San Diego HQ"),
            ("street", "100 Harbor Drive"),
            ("city", "San Diego"),
            ("state", "CA"),
            ("zip", "92101"),
            ("country", "USA"),
            ("company", &acme),
        ],
    );
    let london = b.add(
        "cmn_location",
        "london",
        meta(-2000, "admin"),
        &[
            ("name", "London Office"),
            ("street", "1 Finsbury Avenue"),
            ("city", "London"),
            ("zip", "EC2M 2PF"),
            ("country", "United Kingdom"),
            ("company", &acme),
        ],
    );
    let finance = seed_id("cmn_department", "finance");
    let it = seed_id("cmn_department", "it");

    for (i, user) in USERS.iter().enumerate() {
        let SeedUser {
            user_name,
            first,
            last,
            title,
            department,
            manager,
            active,
            phone,
        } = user;
        let name = format!("{first} {last}");
        let email = format!("{user_name}@example.com");
        let department_id = if *department == "finance" {
            &finance
        } else {
            &it
        };
        let manager_id = if manager.is_empty() {
            String::new()
        } else {
            user_sys_id(manager)
        };
        let location = if *user_name == "priya.patel" {
            &london
        } else {
            &hq
        };
        let mobile = if phone.is_empty() {
            String::new()
        } else {
            format!("+1 858 555 02{i:02}")
        };
        b.add(
            "sys_user",
            user_name,
            meta(-1900, "admin"),
            &[
                ("user_name", user_name),
                ("first_name", first),
                ("last_name", last),
                ("name", &name),
                ("email", &email),
                ("title", title),
                ("phone", phone),
                ("mobile_phone", &mobile),
                ("department", department_id),
                ("company", &acme),
                ("location", location),
                ("manager", &manager_id),
                ("active", active),
                ("locked_out", "false"),
                ("time_zone", "UTC"),
            ],
        );
    }
    b.add(
        "cmn_department",
        "finance",
        meta(-1950, "admin"),
        &[
            ("name", "Finance"),
            ("id", "FIN"),
            ("company", &acme),
            ("dept_head", &user_sys_id("carol.white")),
            (
                "description",
                "Accounting, payables, payroll and financial planning.",
            ),
        ],
    );
    b.add(
        "cmn_department",
        "it",
        meta(-1950, "admin"),
        &[
            ("name", "IT"),
            ("id", "IT"),
            ("company", &acme),
            ("dept_head", &user_sys_id("fred.luddy")),
            (
                "description",
                "Infrastructure, applications and the service desk.",
            ),
        ],
    );

    for (key, name, description, manager, email) in GROUPS {
        b.add(
            "sys_user_group",
            key,
            meta(-1800, "admin"),
            &[
                ("name", name),
                ("description", description),
                ("manager", &user_sys_id(manager)),
                ("email", email),
                ("active", "true"),
            ],
        );
    }
    for (group, user) in MEMBERSHIPS {
        let key = format!("{group}:{user}");
        b.add(
            "sys_user_grmember",
            &key,
            meta(-1700, "admin"),
            &[
                ("group", &seed_id("sys_user_group", group)),
                ("user", &user_sys_id(user)),
            ],
        );
    }
    for (role, description) in ROLES {
        b.add(
            "sys_user_role",
            role,
            meta(-2100, "admin"),
            &[("name", role), ("description", description)],
        );
    }
    for (user, role) in ROLE_GRANTS {
        let key = format!("{user}:{role}");
        b.add(
            "sys_user_has_role",
            &key,
            meta(-1700, "admin"),
            &[
                ("user", &user_sys_id(user)),
                ("role", &seed_id("sys_user_role", role)),
                ("state", "active"),
                ("inherited", "false"),
            ],
        );
    }

    // CMDB.
    for (key, name, class, ip, description) in CIS {
        let manufacturer = match *key {
            "oraprod" => oracle.as_str(),
            "fw-core-01" | "vpn-gw-01" => cisco.as_str(),
            _ => "",
        };
        let group = match *key {
            "fw-core-01" => "network_security",
            "vpn-gw-01" => "network_ops",
            _ => "database_admins",
        };
        b.add(
            "cmdb_ci",
            key,
            meta(-1500, "admin"),
            &[
                ("name", name),
                ("sys_class_name", class),
                ("ip_address", ip),
                ("short_description", description),
                ("operational_status", "1"),
                ("install_status", "1"),
                ("used_for", "Production"),
                ("manufacturer", manufacturer),
                ("company", &acme),
                ("location", &hq),
                ("support_group", &seed_id("sys_user_group", group)),
            ],
        );
    }

    // Knowledge.
    let kb = b.add(
        "kb_knowledge_base",
        "it",
        meta(-1400, "admin"),
        &[
            ("title", "IT"),
            (
                "description",
                "How-to and troubleshooting articles from IT.",
            ),
            ("owner", &user_sys_id("admin")),
            ("active", "true"),
        ],
    );
    for (key, label) in [
        ("databases", "Databases"),
        ("network", "Network"),
        ("applications", "Applications"),
        ("end_user", "End User Computing"),
    ] {
        b.add(
            "kb_category",
            key,
            meta(-1400, "admin"),
            &[
                ("label", label),
                ("value", key),
                ("kb_knowledge_base", &kb),
                ("parent_table", "kb_knowledge_base"),
                ("parent_id", &kb),
                ("active", "true"),
            ],
        );
    }
    for (i, (key, short, category, workflow, author, text)) in ARTICLES.iter().enumerate() {
        let hours = -1000 + 24 * i64::try_from(i).unwrap_or(0);
        let published = if *workflow == "published" {
            format_datetime(BASE_TIME + hours * HOUR)[..10].to_string()
        } else {
            String::new()
        };
        let fields = [
            ("short_description", *short),
            ("text", *text),
            ("kb_knowledge_base", kb.as_str()),
            ("kb_category", &seed_id("kb_category", category)),
            ("author", &user_sys_id(author)),
            ("workflow_state", workflow),
            ("published", &published),
            ("valid_to", "2100-01-01"),
            ("article_type", "text"),
            ("active", "true"),
        ];
        if *key == "vpn-reset" {
            b.add_with_id(
                "kb_knowledge",
                VPN_ARTICLE_SYS_ID,
                meta(hours, author),
                &fields,
            );
        } else {
            b.add("kb_knowledge", key, meta(hours, author), &fields);
        }
    }

    // Problems: an active "Memory Leak" (Assess), one in root cause analysis, one closed.
    let memory_leak = b.add(
        "problem",
        "memory_leak",
        Meta { updated: BASE_TIME + 125 * HOUR, updated_by: "david.smith", ..meta(12, "fred.luddy") },
        &[
            ("short_description", "Memory Leak in payment service"),
            ("description", "The payment service JVM heap grows steadily until the service slows down and returns HTTP 500; a restart clears it for about a day. Linked incidents: HTTP 500s, API latency, stuck batch."),
            ("state", "102"),
            ("impact", "1"),
            ("urgency", "2"),
            ("priority", "2"),
            ("category", "software"),
            ("assignment_group", &seed_id("sys_user_group", "database_admins")),
            ("assigned_to", &user_sys_id("david.smith")),
            ("cmdb_ci", &seed_id("cmdb_ci", "payment_service")),
            ("known_error", "false"),
            ("opened_by", &user_sys_id("fred.luddy")),
        ],
    );
    b.add(
        "problem",
        "email_delays",
        Meta {
            updated: BASE_TIME + 100 * HOUR,
            updated_by: "beth.anglin",
            ..meta(95, "beth.anglin")
        },
        &[
            (
                "short_description",
                "Email delivery delays to external domains",
            ),
            (
                "description",
                "Outbound mail queues on the relay during business hours.",
            ),
            ("state", "103"),
            ("impact", "2"),
            ("urgency", "2"),
            ("priority", "3"),
            ("category", "network"),
            (
                "assignment_group",
                &seed_id("sys_user_group", "service_desk"),
            ),
            ("assigned_to", &user_sys_id("beth.anglin")),
            ("known_error", "false"),
        ],
    );
    b.add(
        "problem",
        "dns_failures",
        Meta {
            updated: BASE_TIME + 150 * HOUR,
            updated_by: "sarah.connor",
            ..meta(-300, "sarah.connor")
        },
        &[
            (
                "short_description",
                "Intermittent DNS resolution failures in the London office",
            ),
            (
                "description",
                "London clients intermittently get NXDOMAIN for internal names.",
            ),
            ("state", "107"),
            ("impact", "2"),
            ("urgency", "2"),
            ("priority", "3"),
            ("category", "network"),
            (
                "assignment_group",
                &seed_id("sys_user_group", "network_ops"),
            ),
            ("assigned_to", &user_sys_id("sarah.connor")),
            (
                "cause_notes",
                "The secondary DNS forwarder in London pointed at a decommissioned resolver.",
            ),
            (
                "fix_notes",
                "Forwarder re-pointed to the HQ resolvers; monitoring added.",
            ),
            ("known_error", "true"),
            ("resolution_code", "fix_applied"),
            ("resolved_at", &format_datetime(BASE_TIME + 140 * HOUR)),
            ("resolved_by", &user_sys_id("sarah.connor")),
        ],
    );

    // Incidents.
    for (i, inc) in INCIDENTS.iter().enumerate() {
        let key = format!("inc{:02}", i + 1);
        let updated_by = if inc.assigned.is_empty() {
            inc.opened_by
        } else {
            inc.assigned
        };
        let m = Meta {
            updated: BASE_TIME + (inc.opened + inc.worked) * HOUR,
            updated_by,
            ..meta(inc.opened, inc.opened_by)
        };
        let resolved_at = if inc.state == "7" {
            format_datetime(m.updated - 24 * HOUR)
        } else {
            String::new()
        };
        let resolved_by = if inc.state == "7" {
            user_sys_id(updated_by)
        } else {
            String::new()
        };
        let caller = user_sys_id(inc.caller);
        let group = seed_id("sys_user_group", inc.group);
        let assigned = if inc.assigned.is_empty() {
            String::new()
        } else {
            user_sys_id(inc.assigned)
        };
        let ci = if inc.ci.is_empty() {
            String::new()
        } else {
            seed_id("cmdb_ci", inc.ci)
        };
        let problem = if inc.problem.is_empty() {
            String::new()
        } else {
            seed_id("problem", inc.problem)
        };
        let opened_by = user_sys_id(inc.opened_by);
        let sys_id = b.add(
            "incident",
            &key,
            m,
            &[
                ("short_description", inc.short),
                ("description", inc.description),
                ("caller_id", &caller),
                ("category", inc.category),
                ("subcategory", inc.subcategory),
                ("state", inc.state),
                ("impact", inc.impact),
                ("urgency", inc.urgency),
                ("assignment_group", &group),
                ("assigned_to", &assigned),
                ("cmdb_ci", &ci),
                ("problem_id", &problem),
                ("hold_reason", inc.hold_reason),
                ("close_code", inc.close_code),
                ("close_notes", inc.close_notes),
                ("opened_by", &opened_by),
                ("company", &acme),
                ("contact_type", "self-service"),
                ("resolved_at", &resolved_at),
                ("resolved_by", &resolved_by),
            ],
        );
        if i == 0 {
            b.journal(
                "incident",
                &sys_id,
                "work_notes",
                inc.opened + 1,
                "sarah.connor",
                "Gateway logs show IKE rekey failures for this client; collecting client logs.",
            );
            b.journal(
                "incident",
                &sys_id,
                "comments",
                inc.opened + 2,
                "sarah.connor",
                "Hi Alice, could you send the VPN client log from Help > Export logs?",
            );
        }
        if i == 2 {
            b.journal("incident", &sys_id, "work_notes", inc.opened + 1, "david.smith", "Heap usage at 97% on sd-app-01; restarted the payment service as a workaround. Linked to the memory leak problem.");
        }
    }
    b.journal("problem", &memory_leak, "work_notes", 30, "david.smith", "Heap dumps from two restarts show millions of retained PaymentSession objects; suspect the session cache has no eviction.");

    // Change requests.
    let dba = seed_id("sys_user_group", "database_admins");
    b.add(
        "change_request",
        "oracle_patch",
        Meta { updated: BASE_TIME + 60 * HOUR, updated_by: "david.smith", ..meta(48, "david.smith") },
        &[
            ("short_description", "Apply Oracle 19.22 release update to ORAPROD"),
            ("description", "Quarterly Oracle release update with security fixes."),
            ("type", "normal"),
            ("state", "-2"),
            ("risk", "3"),
            ("impact", "2"),
            ("priority", "3"),
            ("category", "Software"),
            ("assignment_group", &dba),
            ("assigned_to", &user_sys_id("david.smith")),
            ("requested_by", &user_sys_id("david.smith")),
            ("cmdb_ci", &seed_id("cmdb_ci", "oraprod")),
            ("justification", "Oracle critical patch update; fixes CVEs rated high."),
            ("implementation_plan", "1. Stop the finance portal and payment service. 2. Back up ORAPROD with RMAN. 3. Run opatch apply and datapatch. 4. Open the database and start the applications."),
            ("backout_plan", "Roll back with opatch rollback and restore from the RMAN backup if datapatch fails."),
            ("test_plan", "Smoke-test the finance portal login, a test payment and the nightly batch in dry-run mode."),
            ("start_date", "2025-06-14 22:00:00"),
            ("end_date", "2025-06-15 02:00:00"),
            ("approval", "approved"),
        ],
    );
    b.add(
        "change_request",
        "vpn_certificate",
        Meta {
            updated: BASE_TIME - 150 * HOUR,
            updated_by: "sarah.connor",
            ..meta(-200, "sarah.connor")
        },
        &[
            ("short_description", "Renew the VPN gateway TLS certificate"),
            (
                "description",
                "Certificate on vpn-gw-01 expires at the end of the month.",
            ),
            ("type", "standard"),
            ("state", "3"),
            ("risk", "4"),
            ("impact", "3"),
            ("priority", "4"),
            ("category", "Network"),
            (
                "assignment_group",
                &seed_id("sys_user_group", "network_ops"),
            ),
            ("assigned_to", &user_sys_id("sarah.connor")),
            ("requested_by", &user_sys_id("sarah.connor")),
            ("cmdb_ci", &seed_id("cmdb_ci", "vpn-gw-01")),
            (
                "justification",
                "Avoid an outage when the current certificate expires.",
            ),
            (
                "implementation_plan",
                "Install the new certificate on vpn-gw-01 and reload the VPN service.",
            ),
            ("backout_plan", "Re-install the previous certificate."),
            (
                "test_plan",
                "Connect from a test laptop and check the certificate chain.",
            ),
            ("start_date", "2025-05-25 21:00:00"),
            ("end_date", "2025-05-25 22:00:00"),
            ("approval", "approved"),
            ("close_code", "successful"),
            (
                "close_notes",
                "Certificate renewed; clients connect without warnings.",
            ),
        ],
    );
    b.add(
        "change_request",
        "payment_restart",
        Meta {
            updated: BASE_TIME + 123 * HOUR,
            updated_by: "david.smith",
            ..meta(122, "david.smith")
        },
        &[
            (
                "short_description",
                "Emergency restart of the payment service nodes",
            ),
            (
                "description",
                "Rolling restart to clear heap exhaustion while the memory leak is investigated.",
            ),
            ("type", "emergency"),
            ("state", "0"),
            ("risk", "2"),
            ("impact", "1"),
            ("priority", "2"),
            ("category", "Software"),
            ("assignment_group", &dba),
            ("assigned_to", &user_sys_id("david.smith")),
            ("requested_by", &user_sys_id("fred.luddy")),
            ("cmdb_ci", &seed_id("cmdb_ci", "payment_service")),
            ("justification", "Payment batch stuck; customers affected."),
            (
                "implementation_plan",
                "Restart node 1, verify health, restart node 2.",
            ),
            ("backout_plan", "None needed: a restart is non-destructive."),
            (
                "test_plan",
                "Health endpoint returns 200 and a test payment succeeds.",
            ),
            ("start_date", "2025-06-07 10:00:00"),
            ("end_date", "2025-06-07 10:30:00"),
            ("approval", "approved"),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ids_are_stable_and_users_match_the_directory() {
        assert_eq!(
            seed_id("sys_user", "alice.johnson"),
            user_sys_id("alice.johnson")
        );
        assert_eq!(
            seed_id("problem", "memory_leak"),
            stable_sys_id("problem:memory_leak")
        );
        assert_ne!(
            seed_id("problem", "memory_leak"),
            seed_id("incident", "memory_leak")
        );
    }

    #[test]
    fn the_demo_seed_has_enough_incidents_for_paging() {
        assert!(INCIDENTS.len() >= 25, "{}", INCIDENTS.len());
        let security = INCIDENTS
            .iter()
            .filter(|i| i.category == "security")
            .count();
        assert!(
            security >= 2,
            "itil's row ACL needs security incidents to hide"
        );
        for inc in INCIDENTS {
            if ["6", "7"].contains(&inc.state) {
                assert!(
                    !inc.close_code.is_empty() && !inc.close_notes.is_empty(),
                    "{}",
                    inc.short
                );
            }
        }
    }

    #[test]
    fn seeding_skips_tables_without_a_spec() {
        let schema = Schema::from_sources([(
            "sys_user.json",
            r#"{"table": "sys_user", "title": "User", "display_field": "name", "fields": {"name": {"type": "string", "description": ""}}}"#,
        )])
        .expect("spec");
        let seeded = build(SeedKind::Demo, &schema);
        assert_eq!(seeded.store.rows("sys_user").len(), USERS.len());
        assert!(USERS.len() >= 10, "the demo has a dozen people");
        assert!(seeded.store.rows("incident").is_empty());
        assert!(seeded.skipped_tables.contains(&"incident".to_string()));
        let empty = build(SeedKind::Empty, &schema);
        assert!(empty.store.rows("sys_user").is_empty());
        assert!(empty.skipped_tables.is_empty());
    }
}
