//! The demo's real release, read back as a frontend would.

use serde_json::json;

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo => quito_release_comes_with_its_commission_members_and_contact);

const QUERY: &str = r#"
query Quito($slug: String!) {
  release(language: "en", slug: $slug) {
    title language status publishedAt
    dateline { city country }
    summary bodyHtml
    topics { slug name }
    commissions {
      slug name legalBasis country status
      headOrganisation { slug name kind country }
      members { role organisation { slug name acronym kind parent { slug } } }
    }
    organisations { role organisation { slug } }
    contacts { name office email phones country public organisation { acronym } }
  }
}"#;

async fn quito_release_comes_with_its_commission_members_and_contact(app: TestApp) {
    let data = app.data(QUERY, json!({ "slug": api::demo::QUITO_SLUG })).await;
    let release = &data["release"];
    assert_eq!(release["title"], "IOM Supports the Drafting of a National Plan of Action to Combat Human Trafficking");
    assert_eq!(release["status"], "PUBLISHED");
    assert_eq!(release["dateline"], json!({ "city": "Quito", "country": "EC" }));
    assert!(release["bodyHtml"].as_str().unwrap().contains("<p>In the coming months, the Commission will hold four"));
    assert_eq!(release["topics"], json!([{ "slug": "counter-trafficking", "name": "Counter-trafficking" }]));

    let commission = &release["commissions"][0];
    assert_eq!(commission["slug"], api::demo::COMMISSION_SLUG);
    assert_eq!(commission["legalBasis"], "Executive Decree (2004)");
    assert_eq!(commission["headOrganisation"]["name"], "Ministry of the Government");
    assert_eq!(commission["headOrganisation"]["kind"], "GOVERNMENT");
    let members = commission["members"].as_array().unwrap();
    let names: Vec<&str> = members.iter().map(|m| m["organisation"]["name"].as_str().unwrap()).collect();
    for expected in [
        "Ministry of the Government",
        "National Council of Women",
        "National Council of Children and Adolescents",
        "Department of Human Rights",
        "National Institute of Children and the Family",
        "Ministry of Public Health",
        "Civil society representatives",
        "International Organization for Migration",
        "International Labour Organization",
        "United States Agency for International Development",
    ] {
        assert!(names.contains(&expected), "{expected} is a member: {names:?}");
    }
    assert_eq!(members.len(), 10);
    let chair = members.iter().find(|m| m["role"] == "CHAIR").unwrap();
    assert_eq!(chair["organisation"]["slug"], "ec-ministry-of-government");
    let department = members.iter().find(|m| m["organisation"]["name"] == "Department of Human Rights").unwrap();
    assert_eq!(department["organisation"]["parent"]["slug"], "ec-ministry-of-foreign-relations");

    assert_eq!(
        release["contacts"],
        json!([{
            "name": "Maria Isabel Moncayo",
            "office": "IOM Ecuador",
            "email": "mmoncayo@oim.org.ec",
            "phones": ["+ 593 2-22-53-948/49/50"],
            "country": "EC",
            "public": true,
            "organisation": { "acronym": "IOM" }
        }])
    );
    let funder = release["organisations"].as_array().unwrap().iter().find(|o| o["role"] == "FUNDER").unwrap();
    assert_eq!(funder["organisation"]["slug"], "iom");
}
