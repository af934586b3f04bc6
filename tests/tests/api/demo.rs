//! `api --demo`: the demo city, seeded through the services into an empty database.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_fills_an_empty_database_with_a_living_city() {
    let app = TestApp::spawn().await;
    let accounts = api::demo::seed(&app.state).await.expect("demo seeds");
    let printed = accounts.to_string();
    for login in [
        "admin",
        "donggang",
        "rzport",
        "lanshan",
        "15806331001",
        "15806331011",
    ] {
        assert!(printed.contains(login), "{login} missing from:\n{printed}");
    }

    // The city sees both districts' six unions and their members.
    let root = app.root_token().await;
    let figures = app.get("/api/admin/reconciliation", &root).await;
    assert_eq!(figures.status, StatusCode::OK, "{:?}", figures.body);
    let unions = figures.body["unions"].as_array().expect("unions");
    assert_eq!(unions.len(), 6);
    let totals = &figures.body["totals"];
    // 600 members, one retired per union after certifying.
    assert_eq!(totals["active_members"], 594);
    assert_eq!(totals["certified_members"], 294);
    assert_eq!(totals["left_certified_accounts"], 6);
    assert!(totals["pending_applications"].as_i64().expect("pending") > 10);

    // The union's roster: every ID number passed the server's own checks.
    app.remember_initial_password("rzport", accounts.password_of("rzport").expect("printed"));
    let rzport = app.activate_admin("rzport").await;
    let roster = app.get("/api/admin/members?page_size=1", &rzport).await;
    assert_eq!(roster.body["total"], 120);

    // The 中秋 activity is open with claims and redemptions; 端午 is over (closed).
    let activities = app.get("/api/admin/activities?page_size=100", &root).await;
    let items = activities.body["items"].as_array().expect("activities");
    let find = |title: &str| {
        items
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("{title} missing"))
            .clone()
    };
    let mid_autumn = find("2026年中秋节会员福利发放");
    assert_eq!(mid_autumn["status"], "open");
    assert_eq!(mid_autumn["participant_count"], 120);
    assert_eq!(mid_autumn["redeemed_count"], 70);
    assert_eq!(find("会员生日蛋糕")["birthday_only"], true);
    assert_eq!(find("端午节粽子发放")["status"], "closed");

    let merchants = app.get("/api/admin/merchants?page_size=100", &root).await;
    assert_eq!(merchants.body["total"], 3);
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_already_has_data() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let err = api::demo::seed(&app.state)
        .await
        .err()
        .expect("refused once the admin has changed the password");
    assert!(err.to_string().contains("只能在空数据库上运行"), "{err}");
    let orgs = app.get("/api/admin/orgs", &root).await;
    assert_eq!(orgs.body["total"], 1, "nothing was written");
}
