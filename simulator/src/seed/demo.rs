//! Builds the demo records from the data tables: organisation, people, groups and
//! roles, CMDB, knowledge, problems, incidents with journal entries, change requests.

use super::data::{
    SeedUser, ARTICLES, CIS, GROUPS, INCIDENTS, MEMBERSHIPS, ROLES, ROLE_GRANTS, USERS,
};
use super::{meta, seed_id, Builder, Meta, BASE_TIME, HOUR, VPN_ARTICLE_SYS_ID};
use crate::access::user_sys_id;
use crate::platform::format_datetime;

pub(super) fn demo(b: &mut Builder<'_>) {
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
