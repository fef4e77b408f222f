// The bench's reference: the least any worker can do for the two requests the goals
// measure, run under the same wrangler dev server beside the real one (same assets
// routing, no DevTools session). `make bench` copies it into a temporary directory with
// the real worker's tools/list answer (list.gz, list.json) and starts it there.
//   POST /mcp  reads the JSON-RPC body; tools/list answers those bytes as they are
//              (gzip when the client accepts it); tools/call sends the same GET the real
//              worker sends for the benchmarked call (to env.UPSTREAM_URL, Basic auth
//              from env) and answers its body as one text item.
import listGzip from './list.gz';
import listJson from './list.json.txt';

const HEALTH = '{"name":"servicenow-mcp","status":"ok","version":"0.1.0"}';

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') {
      return new Response(HEALTH, { headers: { 'content-type': 'application/json' } });
    }
    if (pathname === '/mcp' && request.method === 'POST') {
      const rpc = await request.json();
      if (rpc.method === 'tools/list') {
        const gzip = /gzip/.test(request.headers.get('accept-encoding') || '');
        return gzip
          ? new Response(listGzip, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', vary: 'accept-encoding' }, encodeBody: 'manual' })
          : new Response(listJson, { headers: { 'content-type': 'application/json', vary: 'accept-encoding' } });
      }
      const upstream = await fetch(env.UPSTREAM_URL, {
        headers: { authorization: env.UPSTREAM_AUTH, accept: 'application/json' },
        redirect: 'manual',
      });
      const text = await upstream.text();
      const body = JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { content: [{ type: 'text', text }], isError: false } });
      return new Response(body, { headers: { 'content-type': 'application/json' } });
    }
    return new Response('not found', { status: 404 });
  },
};
