//! How much memory an attachment upload takes on its way through the router: a counting
//! allocator records the peak of live heap bytes while `app::handle` serves a
//! `tools/call` carrying a 10 MiB file in base64, over what the request itself (its
//! body, already received) holds. The file once travelled as about seven copies (the
//! arguments cloned for validation, the typed call, the reference plan and the endpoint
//! split, a compacted base64 string, the decoded bytes, the HTTP request and its retry
//! copy); now the base64 text moves from the parsed message into the call and the
//! decoded bytes are shared with the request that sends them.
//!
//! One test in this binary: the allocator counts the whole process.
// Native only: the world's D1 is SQLite, which has no wasm build.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

mod common;
use common::*;

const SYS_ID: &str = "46d44a5fa9fe198101cd4bc3a2ae2b7a";
const FILE_BYTES: usize = 10 * 1024 * 1024;

#[test]
fn a_10_mib_upload_peaks_near_twice_the_file_over_its_request() {
    let world = World::with_env(&[("UPLOAD_MAX_BYTES", &FILE_BYTES.to_string())]);
    world.account(
        INSTANCE,
        json!({"type": "basic", "username": "svc", "password": "pw-upload-memory"}),
    );
    let path =
        world.server(json!({"name": "uploads", "config": {"tags": ["incident", "attachments"]}}));

    // The file as a model sends it: base64 of 10 MiB, in one JSON-RPC message.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let encoded: String = (0..FILE_BYTES / 3 * 4)
        .map(|i| alphabet[(i * 7 + i / 5) % 64] as char)
        .collect();
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "attach_file_service_now_sys_attachment",
        "arguments": {"table_name": "incident", "table_sys_id": SYS_ID, "file_name": "dump.zip",
                      "content_type": "application/zip", "encoding": "base64", "content": encoded}}});
    let request = mcp_request(&path, &message);
    drop(message);
    let request_bytes = request.body.len();
    world.upstream.push_json(
        201,
        json!({"result": {"sys_id": SYS_ID, "file_name": "dump.zip", "table_name": "incident"}}),
    );

    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let response = world.send(request);
    let peak_over_request = PEAK.load(Ordering::SeqCst) - before;

    let reply: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let sent = world.upstream.requests.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body.len(), FILE_BYTES / 3 * 3);
    let ratio = peak_over_request as f64 / FILE_BYTES as f64;
    println!(
        "upload of {FILE_BYTES} bytes ({request_bytes} bytes of request): peak {peak_over_request} bytes over the request, {ratio:.2}x the file"
    );
    // The parsed message's base64 (4/3 of the file) and the decoded file (1x), once each.
    assert!(
        ratio < 2.5,
        "peak {peak_over_request} bytes over the request is {ratio:.2}x the file"
    );
}
