//! The demo data set as tables of plain values: people, groups, roles, CIs, knowledge
//! articles and incidents. `demo.rs` turns them into records.

/// One demo person (and the three API accounts).
pub(super) struct SeedUser {
    pub(super) user_name: &'static str,
    pub(super) first: &'static str,
    pub(super) last: &'static str,
    pub(super) title: &'static str,
    /// `finance` or `it`.
    pub(super) department: &'static str,
    pub(super) manager: &'static str,
    pub(super) active: &'static str,
    pub(super) phone: &'static str,
}

pub(super) const USERS: &[SeedUser] = &[
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
pub(super) const GROUPS: &[(&str, &str, &str, &str, &str)] = &[
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
pub(super) const MEMBERSHIPS: &[(&str, &str)] = &[
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
pub(super) const ROLES: &[(&str, &str)] = &[
    ("admin", "Full access to every application and table."),
    (
        "itil",
        "Fulfils incidents, problems and changes (ITIL process user).",
    ),
    ("knowledge", "Creates and edits knowledge articles."),
];

/// `(user_name, role)`.
pub(super) const ROLE_GRANTS: &[(&str, &str)] = &[
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
pub(super) const CIS: &[(&str, &str, &str, &str, &str)] = &[
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

pub(super) const ORA_01033_TEXT: &str = "<h2>Symptoms</h2>\
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

pub(super) const VPN_RESET_TEXT: &str = "<h2>How to reset your VPN connection</h2>\
<ol>\
<li>Disconnect the VPN client (system tray icon &gt; Disconnect).</li>\
<li>Quit the client completely and wait 10 seconds.</li>\
<li>Clear saved credentials: open the client, Settings &gt; Reset saved credentials.</li>\
<li>Start the client, connect to <code>vpn.example.com</code> with your network user name and password, and approve the MFA prompt.</li>\
<li>Still failing: reboot the laptop and try another network (a mobile hotspot) to rule out the home router.</li>\
<li>Still failing: open an incident with category Network, with the time of the failure and the exact error text.</li>\
</ol>";

/// `(key, short_description, category, workflow_state, author, text)`.
pub(super) const ARTICLES: &[(&str, &str, &str, &str, &str, &str)] = &[
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
    ("printer-codes", "Printer error codes and what to do", "end_user", "published", "beth.anglin", PRINTER_CODES_TEXT),
    ("wifi-london", "Wi-Fi drops in the London office", "network", "published", "sarah.connor", WIFI_LONDON_TEXT),
];

/// An article with a table, a style sheet and a script, as pasted from a vendor page.
const PRINTER_CODES_TEXT: &str = "<style>table.codes td { padding: 4px; }</style>\
<h2>Printer error codes</h2>\
<p>The display on the floor printers shows a code when a job stops. Find it below before opening an incident.</p>\
<table class=\"codes\"><thead><tr><th>Code</th><th>Meaning</th><th>What to do</th></tr></thead>\
<tbody><tr><td>E13</td><td>Paper jam in tray 2</td><td>Open door B, remove the sheet, close the door firmly.</td></tr>\
<tr><td>E52</td><td>Worn pickup roller</td><td>Open an incident with category Hardware; the Service Desk swaps the roller.</td></tr>\
<tr><td>W01</td><td>Toner low</td><td>Order toner in the service catalog &amp; keep printing.</td></tr></tbody></table>\
<script>window.trackView && window.trackView('printer-codes');</script>";

/// An article with headings and nested lists.
const WIFI_LONDON_TEXT: &str = "<h2>Symptoms</h2>\
<p>Laptops on the 2nd floor lose the <b>ACME-Corp</b> network several times per hour; the captive portal certificate warning appears on reconnect.</p>\
<h2>Workaround</h2>\
<ul><li>Forget the network, then reconnect with your network user name.</li>\
<li>If the warning stays:<ol><li>Open Settings &gt; Wi-Fi &gt; ACME-Corp.</li><li>Choose <i>Trust certificate</i> only if it is issued by ACME Root CA.</li></ol></li></ul>\
<p>Network Operations tracks the access point firmware fix in the Wi-Fi incident.</p>";

/// One demo incident; unset fields take the defaults in [`INC`].
pub(super) struct SeedIncident {
    pub(super) short: &'static str,
    pub(super) description: &'static str,
    pub(super) caller: &'static str,
    pub(super) category: &'static str,
    pub(super) subcategory: &'static str,
    pub(super) state: &'static str,
    pub(super) impact: &'static str,
    pub(super) urgency: &'static str,
    pub(super) group: &'static str,
    pub(super) assigned: &'static str,
    pub(super) ci: &'static str,
    pub(super) problem: &'static str,
    pub(super) hold_reason: &'static str,
    pub(super) close_code: &'static str,
    pub(super) close_notes: &'static str,
    pub(super) opened_by: &'static str,
    /// Hours after the base time the incident was opened.
    pub(super) opened: i64,
    /// Hours from opening to the last update (resolution or closure).
    pub(super) worked: i64,
}

pub(super) const INC: SeedIncident = SeedIncident {
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

pub(super) const INCIDENTS: &[SeedIncident] = &[
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
    SeedIncident { short: "Password expired for the reporting service account", description: "Nightly reports failed: ORA-28001 for user RPT_SVC.", caller: "david.smith", category: "inquiry", state: "7", urgency: "2", assigned: "beth.anglin", close_code: "Solution provided", close_notes: "Password rotated and the account moved to a non-expiring profile.", opened: 110, worked: 28, ..INC },
    SeedIncident { short: "DNS lookups failing in the London office", description: "Intermittent NXDOMAIN for internal names from London clients.", caller: "sarah.connor", category: "network", subcategory: "dns", state: "7", impact: "2", urgency: "2", group: "network_ops", assigned: "sarah.connor", close_code: "Resolved by problem", close_notes: "Fixed by the DNS forwarder change from the related problem.", problem: "dns_failures", opened: 115, worked: 40, ..INC },
    SeedIncident { short: "Payment batch job stuck in RUNNING", description: "Settlement batch has not finished for 3 hours; no log output since 02:10.", caller: "fred.luddy", category: "software", subcategory: "internal application", state: "2", impact: "1", urgency: "2", group: "database_admins", assigned: "david.smith", ci: "payment_service", problem: "memory_leak", opened: 121, worked: 2, ..INC },
    SeedIncident { short: "Monitor flickering", description: "External monitor flickers when the laptop is docked.", caller: "james.wilson", category: "hardware", subcategory: "monitor", state: "7", assigned: "beth.anglin", close_code: "Solution provided", close_notes: "Replaced the DisplayPort cable.", opened: 127, worked: 26, ..INC },
    SeedIncident { short: "VPN certificate warning at login", description: "The VPN client warns that the server certificate expires soon.", caller: "bob.martinez", category: "network", subcategory: "vpn", group: "network_ops", ci: "vpn-gw-01", opened: 133, ..INC },
    SeedIncident { short: "Unable to approve invoices in the finance portal", description: "The Approve button is greyed out for invoices above 10,000.", caller: "alice.johnson", category: "software", subcategory: "internal application", impact: "2", urgency: "2", ci: "sd-app-01", opened: 138, ..INC },
    SeedIncident { short: "Badge reader offline at the HQ entrance", description: "Staff cannot badge in at the main entrance; reception is letting people in.", caller: "beth.anglin", category: "hardware", state: "2", impact: "2", urgency: "3", assigned: "beth.anglin", opened: 144, worked: 1, ..INC },
    SeedIncident { short: "New Oracle schema for finance reporting", description: "Reporting team asks for a read-only schema with the GL views.", caller: "priya.patel", category: "database", subcategory: "oracle", state: "3", hold_reason: "1", group: "database_admins", assigned: "david.smith", ci: "oraprod", opened: 150, worked: 4, ..INC },
];

#[cfg(test)]
mod tests {
    use super::*;

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
}
