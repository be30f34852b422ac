//! Real IRMA/Yivi client packages against `irma server`: static files for pages, the
//! scripted npm and crates.io clients of `../shared/clients`, and a demo page in Chromium.

use std::fs;

use reqwest::redirect::Policy;

use crate::util::Server;

/// A folder with a page, a script and a subfolder.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("index.html"), "<p>demo</p>").unwrap();
    fs::write(dir.path().join("app.js"), "let x = 1;").unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/index.html"), "<p>sub</p>").unwrap();
    dir
}

/// GET without following redirects: status, content type, `Location`, body.
async fn get(server: &Server, path: &str) -> (u16, String, String, String) {
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = http.get(server.url(path)).send().await.unwrap();
    let header = |name| {
        r.headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (ct, location) = (header("content-type"), header("location"));
    (r.status().as_u16(), ct, location, r.text().await.unwrap())
}

#[tokio::test]
async fn static_files_under_a_prefix() {
    let dir = site();
    let path = dir.path().to_str().unwrap();
    let server = Server::start(&["--static-path", path, "--static-prefix", "/demo"]).await;
    let (status, ct, _, body) = get(&server, "/demo/").await;
    assert_eq!((status, body.as_str()), (200, "<p>demo</p>"));
    assert!(ct.starts_with("text/html"), "{ct}");
    let (status, ct, _, body) = get(&server, "/demo/app.js").await;
    assert_eq!((status, body.as_str()), (200, "let x = 1;"));
    assert!(ct.contains("javascript"), "{ct}");
    // A folder without its slash: a redirect relative to the request, as Go's file server.
    let (status, _, location, _) = get(&server, "/demo/sub").await;
    assert_eq!((status, location.as_str()), (301, "sub/"));
    assert_eq!(get(&server, "/demo/sub/").await.3, "<p>sub</p>");
    for missing in [
        "/demo/nope.js",
        "/demo/../Cargo.toml",
        "/demo/%2e%2e/Cargo.toml",
        "/app.js",
    ] {
        let (status, _, _, body) = get(&server, missing).await;
        assert_eq!(
            (status, body.as_str()),
            (404, "404 page not found\n"),
            "{missing}"
        );
    }
    // The API is untouched.
    assert_eq!(get(&server, "/health").await.3, "OK");
}

#[tokio::test]
async fn static_files_at_the_root_inside_the_api_prefix() {
    let dir = site();
    let path = dir.path().to_str().unwrap();
    let server = Server::start_at("/api", &["--api-prefix", "/api", "--static-path", path]).await;
    assert_eq!(get(&server, "/api/").await.3, "<p>demo</p>");
    assert_eq!(get(&server, "/api/app.js").await.3, "let x = 1;");
    assert_eq!(get(&server, "/app.js").await.0, 404);
    // Routes win over files; unknown app routes keep the API's JSON error.
    assert_eq!(get(&server, "/api/health").await.3, "OK");
    let (status, _, _, body) = get(&server, "/api/irma/nope").await;
    assert_eq!(status, 404);
    assert!(body.contains("INVALID_REQUEST"), "{body}");
}
