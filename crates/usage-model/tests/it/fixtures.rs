//! The init-file fixtures under `fixtures/init/` parse to what they say.

use usage_model::{Filter, Groups, InitConfig};

const ORIGINAL_SAMPLE: &str = include_str!("../../../../fixtures/init/usagestats_initconfig.txt");
const SCOPED: &str = include_str!("../../../../fixtures/init/scoped.txt");

#[test]
fn original_sample_init_file() {
    let cfg = InitConfig::parse("usagestats_initconfig.txt", ORIGINAL_SAMPLE).unwrap();
    assert_eq!(
        cfg.groups,
        Some(Groups::parse("First=sub:10.0.0.0/8;Second=sub:192.168.0.0/16").unwrap())
    );
    // The sample's filter line is commented out.
    assert_eq!(cfg.filter, None);
    assert_eq!(cfg.database, None);
}

#[test]
fn scoped_fixture_equals_its_command_line_form() {
    let cfg = InitConfig::parse("scoped.txt", SCOPED).unwrap();
    let cli = Groups::parse(
        "First=sub:10.0.0.0/24,sub:192.168.0.0/16,vid:10,vname:Corp;\
         Second=sub:10.20.20.0/24,@org:Orgname@net:Netname vid:500,@tag:Taggednet vname:Guest;\
         Branch=@org:Meraki Inc@tag:branch sub:10.0.0.0/8,sub:2001:db8::/32",
    )
    .unwrap();
    assert_eq!(cfg.groups, Some(cli));
    assert_eq!(cfg.database.as_deref(), Some("usage.db"));
    assert_eq!(
        cfg.filter,
        Some(Filter::parse("org:Meraki Inc,dtype:all,dtag:core-switch").unwrap())
    );
}
