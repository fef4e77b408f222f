//! Demo records for the tables issue 11 documented: the instance's choice lists
//! (sys_choice), relationship types, computers, network gear, database instances and
//! how they relate, business applications, assets, outages, delegations, schedules, SLA
//! definitions, cost centers, group approvals and the catalog's categories, items and
//! variables. Everything references the core demo records by their `seed_id`.

use super::{meta, seed_id, Builder};
use crate::access::user_sys_id;
use crate::platform::parent_table;
use crate::schema::Schema;

/// Incident categories this instance added to the base list: seeded incidents use them,
/// and a model learns them only from sys_choice.
const INSTANCE_INCIDENT_CATEGORIES: &[(&str, &str)] = &[("security", "Security")];

/// Which incident category each base subcategory depends on (ServiceNow stores one
/// sys_choice row per (subcategory, category) pair in `dependent_value`).
const INCIDENT_SUBCATEGORY_PARENTS: &[(&str, &[&str])] = &[
    ("antivirus", &["inquiry", "software"]),
    ("email", &["inquiry", "software"]),
    ("internal application", &["inquiry", "software"]),
    ("cpu", &["hardware"]),
    ("disk", &["hardware"]),
    ("keyboard", &["hardware"]),
    ("memory", &["hardware"]),
    ("monitor", &["hardware"]),
    ("mouse", &["hardware"]),
    ("dhcp", &["network"]),
    ("dns", &["network"]),
    ("ip address", &["network"]),
    ("vpn", &["network"]),
    ("wireless", &["network"]),
    ("db2", &["database"]),
    ("sql server", &["database"]),
    ("oracle", &["database"]),
];

/// `(name, parent descriptor, child descriptor)` of the base relationship types.
const REL_TYPES: &[(&str, &str, &str)] = &[
    ("Depends on::Used by", "Depends on", "Used by"),
    ("Runs on::Runs", "Runs on", "Runs"),
    ("Hosted on::Hosts", "Hosted on", "Hosts"),
    ("Contains::Contained by", "Contains", "Contained by"),
    ("Connects to::Connected by", "Connects to", "Connected by"),
    ("Members::Member of", "Members", "Member of"),
];

pub(super) fn breadth(b: &mut Builder<'_>) {
    choices(b);
    cmdb(b);
    service_management(b);
    catalog(b);
}

/// True when an ancestor table of `table` in the schema defines `field` with choices:
/// ServiceNow keeps a choice list on the table that defines the field (a server's
/// operational_status choices are cmdb_ci's).
fn inherited_choice(schema: &Schema, table: &str, field: &str) -> bool {
    let mut current = parent_table(table);
    while let Some(parent) = current {
        if schema
            .table(parent)
            .and_then(|t| t.field(field))
            .is_some_and(|f| !f.choices.is_empty())
        {
            return true;
        }
        current = parent_table(parent);
    }
    false
}

/// One sys_choice row per documented choice (English), plus the instance's additions.
fn choices(b: &mut Builder<'_>) {
    let mut rows: Vec<(String, String, String, String, String, usize)> = Vec::new();
    for table in b.schema.tables() {
        for (field_name, field) in &table.fields {
            if field.choices.is_empty() || inherited_choice(b.schema, &table.name, field_name) {
                continue;
            }
            for (i, (value, label)) in field.choices.iter().enumerate() {
                let parents: &[&str] = if table.name == "incident" && field_name == "subcategory" {
                    INCIDENT_SUBCATEGORY_PARENTS
                        .iter()
                        .find(|(sub, _)| sub == value)
                        .map_or(&[""], |(_, p)| *p)
                } else {
                    &[""]
                };
                for parent in parents {
                    rows.push((
                        table.name.clone(),
                        field_name.clone(),
                        value.clone(),
                        label.clone(),
                        parent.to_string(),
                        (i + 1) * 10,
                    ));
                }
            }
        }
    }
    let base = rows
        .iter()
        .filter(|r| r.0 == "incident" && r.1 == "category")
        .count();
    for (i, (value, label)) in INSTANCE_INCIDENT_CATEGORIES.iter().enumerate() {
        rows.push((
            "incident".into(),
            "category".into(),
            value.to_string(),
            label.to_string(),
            String::new(),
            (base + i + 1) * 10,
        ));
    }
    for (table, element, value, label, dependent, sequence) in rows {
        let key = format!("{table}.{element}.{value}.{dependent}");
        let sequence = sequence.to_string();
        b.add(
            "sys_choice",
            &key,
            meta(-3000, "admin"),
            &[
                ("name", &table),
                ("element", &element),
                ("value", &value),
                ("label", &label),
                ("language", "en"),
                ("sequence", &sequence),
                ("inactive", "false"),
                ("dependent_value", &dependent),
            ],
        );
    }
}

/// A CI of class `class`, stored like the core demo CIs (`seed_id("cmdb_ci", key)`).
fn ci(b: &mut Builder<'_>, key: &str, class: &str, fields: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = vec![
        ("sys_class_name", class),
        ("operational_status", "1"),
        ("install_status", "1"),
    ];
    all.extend_from_slice(fields);
    b.add("cmdb_ci", key, meta(-1450, "admin"), &all)
}

fn relate(b: &mut Builder<'_>, parent: &str, rel_type: &str, child: &str) {
    let key = format!("{parent}|{rel_type}|{child}");
    b.add(
        "cmdb_rel_ci",
        &key,
        meta(-1440, "admin"),
        &[
            ("parent", parent),
            ("type", &seed_id("cmdb_rel_type", rel_type)),
            ("child", child),
        ],
    );
}

fn cmdb(b: &mut Builder<'_>) {
    for (name, parent, child) in REL_TYPES {
        b.add(
            "cmdb_rel_type",
            name,
            meta(-3000, "admin"),
            &[
                ("name", name),
                ("parent_descriptor", parent),
                ("child_descriptor", child),
            ],
        );
    }
    let cisco = seed_id("core_company", "cisco");
    let hq = seed_id("cmn_location", "san_diego_hq");
    let acme = seed_id("core_company", "acme");
    let service_desk = seed_id("sys_user_group", "service_desk");
    let network_ops = seed_id("sys_user_group", "network_ops");
    let dba = seed_id("sys_user_group", "database_admins");
    let alice = user_sys_id("alice.johnson");
    let bob = user_sys_id("bob.martinez");
    let laptop = ci(
        b,
        "lt-alice-01",
        "cmdb_ci_computer",
        &[
            ("name", "LT-ALICE-01"),
            ("short_description", "Alice Johnson's laptop"),
            ("assigned_to", &alice),
            ("os", "Windows 11 Enterprise"),
            ("os_version", "10.0.22631"),
            ("serial_number", "5CG3401XYZ"),
            ("asset_tag", "P1000123"),
            ("ram", "16384"),
            ("form_factor", "Laptop"),
            ("support_group", &service_desk),
            ("company", &acme),
            ("location", &hq),
        ],
    );
    ci(
        b,
        "lt-bob-02",
        "cmdb_ci_computer",
        &[
            ("name", "LT-BOB-02"),
            ("short_description", "Bob Martinez's laptop"),
            ("assigned_to", &bob),
            ("os", "macOS"),
            ("os_version", "14.5"),
            ("serial_number", "C02XK1ABJGH5"),
            ("asset_tag", "P1000187"),
            ("ram", "32768"),
            ("form_factor", "Laptop"),
            ("support_group", &service_desk),
            ("company", &acme),
            ("location", &hq),
        ],
    );
    let switch = ci(
        b,
        "core-sw-01",
        "cmdb_ci_ip_switch",
        &[
            ("name", "core-sw-01"),
            ("short_description", "Core switch, San Diego data centre"),
            ("ip_address", "10.20.0.2"),
            ("manufacturer", &cisco),
            ("firmware_version", "17.9.4"),
            ("ports", "48"),
            ("can_switch", "true"),
            ("can_route", "true"),
            ("support_group", &network_ops),
            ("company", &acme),
            ("location", &hq),
        ],
    );
    let sql_host = ci(
        b,
        "sd-sql-01",
        "cmdb_ci_win_server",
        &[
            ("name", "sd-sql-01"),
            ("short_description", "Windows server hosting HRDB"),
            ("ip_address", "10.20.1.31"),
            ("os", "Windows 2022 Datacenter"),
            ("support_group", &dba),
            ("company", &acme),
            ("location", &hq),
        ],
    );
    let hrdb = ci(
        b,
        "hrdb",
        "cmdb_ci_db_mssql_instance",
        &[
            ("name", "HRDB"),
            (
                "short_description",
                "SQL Server instance for HR and payroll",
            ),
            ("version", "15.0.2000.5"),
            ("edition", "Enterprise"),
            ("tcp_port", "1433"),
            ("used_for", "Production"),
            ("support_group", &dba),
            ("company", &acme),
        ],
    );
    let payroll = b.add(
        "cmdb_ci_business_app",
        "payroll",
        meta(-1450, "admin"),
        &[
            ("name", "Payroll"),
            (
                "short_description",
                "Pays employees and files payroll taxes",
            ),
            ("owned_by", &user_sys_id("fred.luddy")),
            ("it_application_owner", &user_sys_id("david.smith")),
            ("support_group", &dba),
            ("business_criticality", "1 - most critical"),
            ("operational_status", "1"),
            ("company", &acme),
        ],
    );
    let ci_id = |key: &str| seed_id("cmdb_ci", key);
    relate(b, &hrdb, "Runs on::Runs", &sql_host);
    relate(b, &ci_id("oraprod"), "Runs on::Runs", &ci_id("sd-db-01"));
    relate(
        b,
        &ci_id("payment_service"),
        "Depends on::Used by",
        &ci_id("sd-app-01"),
    );
    relate(
        b,
        &ci_id("sd-app-01"),
        "Depends on::Used by",
        &ci_id("oraprod"),
    );
    relate(b, &payroll, "Depends on::Used by", &hrdb);
    relate(b, &ci_id("sd-app-01"), "Connects to::Connected by", &switch);
    relate(
        b,
        &switch,
        "Connects to::Connected by",
        &ci_id("fw-core-01"),
    );

    b.add(
        "alm_hardware",
        "p1000123",
        meta(-1450, "admin"),
        &[
            ("asset_tag", "P1000123"),
            ("serial_number", "5CG3401XYZ"),
            ("ci", &laptop),
            ("install_status", "1"),
            ("substatus", ""),
            ("assigned_to", &alice),
            ("location", &hq),
            ("company", &acme),
            ("cost", "1450.00"),
            ("warranty_expiration", "2027-03-31"),
        ],
    );
    b.add(
        "cmdb_ci_outage",
        "vpn_certificate",
        meta(-190, "sarah.connor"),
        &[
            ("cmdb_ci", &ci_id("vpn-gw-01")),
            ("type", "planned"),
            ("begin", "2025-05-25 21:00:00"),
            ("end", "2025-05-25 21:40:00"),
            ("task_number", &seed_id("change_request", "vpn_certificate")),
            (
                "short_description",
                "VPN unavailable during certificate renewal",
            ),
        ],
    );
}

fn service_management(b: &mut Builder<'_>) {
    b.add(
        "sys_user_delegate",
        "david_to_priya",
        meta(100, "david.smith"),
        &[
            ("user", &user_sys_id("david.smith")),
            ("delegate", &user_sys_id("priya.patel")),
            ("starts", "2025-06-09 00:00:00"),
            ("ends", "2025-06-20 23:59:59"),
            ("approvals", "true"),
            ("assignments", "true"),
            ("notifications", "false"),
            ("invitations", "false"),
        ],
    );
    let weekdays = b.add(
        "cmn_schedule",
        "8-5_weekdays",
        meta(-3000, "admin"),
        &[
            ("name", "8-5 weekdays excluding holidays"),
            (
                "description",
                "Monday to Friday, 08:00 to 17:00, without US holidays.",
            ),
            ("time_zone", "US/Pacific"),
        ],
    );
    b.add(
        "cmn_schedule",
        "weekend_maintenance",
        meta(-3000, "admin"),
        &[
            ("name", "Weekend maintenance window"),
            ("description", "Sunday 21:00 to 23:00, for planned changes."),
            ("time_zone", "US/Pacific"),
            ("type", "maintenance"),
        ],
    );
    for (key, name, duration, schedule) in [
        (
            "p1_resolution",
            "Priority 1 resolution (4 hour)",
            "1970-01-01 04:00:00",
            "",
        ),
        (
            "p2_resolution",
            "Priority 2 resolution (8 hour)",
            "1970-01-01 08:00:00",
            weekdays.as_str(),
        ),
    ] {
        b.add(
            "contract_sla",
            key,
            meta(-3000, "admin"),
            &[
                ("name", name),
                ("type", "SLA"),
                ("target", "resolution"),
                ("collection", "incident"),
                ("duration", duration),
                ("schedule", schedule),
                ("active", "true"),
            ],
        );
    }
    for (key, name, code, manager) in [
        ("it_ops", "IT Operations", "CC-1100", "fred.luddy"),
        ("finance", "Finance", "CC-2100", "beth.anglin"),
    ] {
        b.add(
            "cmn_cost_center",
            key,
            meta(-3000, "admin"),
            &[
                ("name", name),
                ("code", code),
                ("manager", &user_sys_id(manager)),
                ("location", &seed_id("cmn_location", "san_diego_hq")),
            ],
        );
    }
    b.add(
        "sysapproval_group",
        "oracle_patch_dba",
        meta(-1, "david.smith"),
        &[
            ("parent", &seed_id("change_request", "oracle_patch")),
            (
                "assignment_group",
                &seed_id("sys_user_group", "database_admins"),
            ),
            ("approval", "approved"),
            ("short_description", "DBA approval for the Oracle patch"),
        ],
    );
}

/// A catalog variable of the seed: (item sys_id, seed key, name, question, type code,
/// mandatory, order, referenced table, choices as (value, text)).
type SeedVariable<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
);

fn catalog(b: &mut Builder<'_>) {
    let hardware = b.add(
        "sc_category",
        "hardware",
        meta(-3000, "admin"),
        &[
            ("title", "Hardware"),
            ("description", "Laptops, monitors and accessories."),
            ("active", "true"),
            ("order", "100"),
        ],
    );
    let software = b.add(
        "sc_category",
        "software",
        meta(-3000, "admin"),
        &[
            ("title", "Software"),
            ("description", "Licensed applications."),
            ("active", "true"),
            ("order", "200"),
        ],
    );
    let laptop = b.add(
        "sc_cat_item",
        "standard_laptop",
        meta(-3000, "admin"),
        &[
            ("name", "Standard Laptop"),
            ("short_description", "Lenovo ThinkPad T14 for office staff"),
            ("category", &hardware),
            ("active", "true"),
            ("price", "1100.00"),
        ],
    );
    b.add(
        "sc_cat_item_category",
        "standard_laptop_software",
        meta(-3000, "admin"),
        &[("sc_cat_item", &laptop), ("sc_category", &software)],
    );
    let vpn = b.add(
        "sc_cat_item",
        "vpn_access",
        meta(-3000, "admin"),
        &[
            ("name", "Request VPN access"),
            (
                "short_description",
                "Remote access to the corporate network",
            ),
            (
                "description",
                "VPN access for working from home or travelling; administrators need a hardware token.",
            ),
            ("category", &software),
            ("active", "true"),
            ("price", "0.00"),
        ],
    );
    let monitor = b.add(
        "sc_cat_item",
        "external_monitor",
        meta(-3000, "admin"),
        &[
            ("name", "External monitor"),
            (
                "short_description",
                "Second screen for a desk or home office",
            ),
            ("category", &hardware),
            ("active", "true"),
            ("price", "249.00"),
        ],
    );
    // (item, key, name, question, type, mandatory, order, reference, choices)
    let variables: [SeedVariable<'_>; 9] = [
        (
            &laptop,
            "laptop_requested_for",
            "requested_for",
            "Who is the laptop for?",
            "8",
            "true",
            "100",
            "sys_user",
            &[],
        ),
        (
            &laptop,
            "laptop_ram",
            "ram",
            "Memory",
            "5",
            "true",
            "200",
            "",
            &[("8", "8 GB"), ("16", "16 GB"), ("32", "32 GB")],
        ),
        (
            &laptop,
            "laptop_software",
            "additional_software",
            "Additional software",
            "2",
            "false",
            "300",
            "",
            &[],
        ),
        (
            &vpn,
            "vpn_access_level",
            "access_level",
            "Access level",
            "5",
            "true",
            "100",
            "",
            &[("standard", "Standard"), ("admin", "Administrator")],
        ),
        (
            &vpn,
            "vpn_justification",
            "business_justification",
            "Business justification",
            "6",
            "true",
            "200",
            "",
            &[],
        ),
        (
            &vpn,
            "vpn_start_date",
            "start_date",
            "Start date",
            "9",
            "false",
            "300",
            "",
            &[],
        ),
        (
            &vpn,
            "vpn_hardware_token",
            "hardware_token",
            "Hardware token",
            "7",
            "false",
            "400",
            "",
            &[],
        ),
        (
            &monitor,
            "monitor_size",
            "size",
            "Screen size",
            "3",
            "true",
            "100",
            "",
            &[("24", "24 inch"), ("27", "27 inch")],
        ),
        (
            &monitor,
            "monitor_delivery",
            "deliver_to",
            "Deliver to (room or address)",
            "6",
            "false",
            "200",
            "",
            &[],
        ),
    ];
    for (item, key, name, question, kind, mandatory, order, reference, choices) in variables {
        let variable = b.add(
            "item_option_new",
            key,
            meta(-3000, "admin"),
            &[
                ("name", name),
                ("question_text", question),
                ("cat_item", item),
                ("type", kind),
                ("mandatory", mandatory),
                ("active", "true"),
                ("order", order),
                ("reference", reference),
            ],
        );
        for (index, (value, text)) in choices.iter().enumerate() {
            let order = ((index + 1) * 100).to_string();
            b.add(
                "question_choice",
                &format!("{key}_{value}"),
                meta(-3000, "admin"),
                &[
                    ("question", &variable),
                    ("text", text),
                    ("value", value),
                    ("order", &order),
                    ("inactive", "false"),
                ],
            );
        }
    }
    b.add(
        "sc_cat_item_producer",
        "report_issue",
        meta(-3000, "admin"),
        &[
            ("name", "Report an IT issue"),
            (
                "short_description",
                "Tell the service desk something is broken",
            ),
            ("table_name", "incident"),
            ("active", "true"),
        ],
    );
}
