"""Real Python MCP clients against the worker, driven by tests/e2e/python_clients.test.mjs.

Each subcommand connects the way a user of that framework would, does one scenario and
prints one JSON object on stdout (the Node test asserts on it). Run with the venv the
project's scripts/setup-clients.sh creates: target/pyenv/mcp1 (MCP SDK 1.x, OpenAI Agents SDK, LangChain's MCP adapters, Pydantic
AI) or target/pyenv/mcp2 (MCP SDK 2.x, FastMCP).

  python clients.py sdk URL          # list every tool (paging), call a list tool
  python clients.py tools URL        # how many tools one tools/list gives
  python clients.py ratelimit URL    # a rate-limited call, then the session goes on
  python clients.py fastmcp URL      # FastMCP: typed result.data keeps record fields
  python clients.py agents URL       # OpenAI Agents SDK: the rate-limited call's text
  python clients.py strict URL       # OpenAI Agents SDK: strict conversion of every tool
  python clients.py langchain URL    # LangChain MCP adapters: tools and one call's text
  python clients.py pydantic_ai URL  # Pydantic AI's MCP toolset: tools and one call
"""

import asyncio
import json
import sys

LIST = "list_all_service_now_incident"


def text_of(result):
    return " ".join(getattr(item, "text", "") for item in (result.content or []))


def field(obj, snake, camel):
    """A result attribute by its 2.x (snake_case) or 1.x (camelCase) name."""
    value = getattr(obj, snake, None)
    return getattr(obj, camel, None) if value is None else value


async def sdk_session(url, scenario):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await scenario(session)


async def sdk(url):
    async def scenario(session):
        tools, cursor, pages = [], None, 0
        while True:
            page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
            tools.extend(page.tools)
            pages += 1
            cursor = field(page, "next_cursor", "nextCursor")
            if not cursor or pages > 20:
                break
        result = await session.call_tool(LIST, {"limit": 2, "fields": ["number", "state"]})
        records = (field(result, "structured_content", "structuredContent") or {}).get("result", [])
        return {
            "tools": len(tools),
            "is_error": field(result, "is_error", "isError"),
            "records": len(records),
            "numbers": [r.get("number") for r in records],
        }

    return await sdk_session(url, scenario)


async def tools(url):
    async def scenario(session):
        listed = await session.list_tools()
        return {"tools": len(listed.tools)}

    return await sdk_session(url, scenario)


async def ratelimit(url):
    async def scenario(session):
        limited = await session.call_tool(LIST, {"limit": 1, "fields": ["number"]})
        meta = field(limited, "meta", "_meta") or {}
        # The session survives: another request on it is answered.
        after = await session.list_tools()
        return {
            "is_error": field(limited, "is_error", "isError"),
            "text": text_of(limited),
            "meta": meta.get("io.snmcp/rate_limit"),
            "tools_after": len(after.tools),
        }

    try:
        return await asyncio.wait_for(sdk_session(url, scenario), 30)
    except BaseException as error:  # noqa: BLE001 - what the SDK raises is the finding
        return {"raised": type(error).__name__, "detail": repr(error)[:300]}


async def fastmcp(url):
    from fastmcp import Client

    async with Client(url) as client:
        result = await client.call_tool(LIST, {"limit": 2})
        data = result.data
        records = getattr(data, "result", None)
        if records is None and isinstance(data, dict):
            records = data.get("result")
        records = records or []
        first = records[0] if records else {}
        if not isinstance(first, dict):
            first = getattr(first, "__dict__", {})
        total = getattr(data, "total_count", None)
        if total is None and isinstance(data, dict):
            total = data.get("total_count")
        return {
            "records": len(records),
            "first_keys": sorted(first.keys()),
            "total_count": total,
        }


async def fastmcp_ratelimit(url):
    """FastMCP: a rate-limited call raises its ToolError with the server's text."""
    from fastmcp import Client

    async with Client(url) as client:
        try:
            result = await client.call_tool(LIST, {"limit": 1})
            return {"raised": None, "text": text_of(result)}
        except BaseException as error:  # noqa: BLE001 - the error's text is what a model reads
            return {"raised": type(error).__name__, "text": str(error)[:300]}


async def agents(url):
    from agents.mcp import MCPServerStreamableHttp

    server = MCPServerStreamableHttp(params={"url": url}, name="servicenow")
    await server.connect()
    try:
        tools = await server.list_tools()
        try:
            result = await server.call_tool(LIST, {"limit": 1, "fields": ["number"]})
            is_error = field(result, "is_error", "isError")
            return {"tools": len(tools), "is_error": is_error, "text": text_of(result)}
        except BaseException as error:  # noqa: BLE001
            return {"tools": len(tools), "raised": type(error).__name__, "detail": repr(error)[:300]}
    finally:
        await server.cleanup()


async def strict(url):
    """OpenAI Agents SDK's strict conversion of every tool, as it converts MCP tools for
    a strict agent; then a call shaped as strict mode sends it (every property present,
    the unused ones null) against the same call without them."""
    from agents.mcp import MCPServerStreamableHttp
    from agents.mcp.util import MCPUtil

    server = MCPServerStreamableHttp(params={"url": url}, name="servicenow")
    await server.connect()
    try:
        tools = await server.list_tools()
        refused = []
        for tool in tools:
            converted = MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=True)
            if not converted.strict_json_schema:
                refused.append(tool.name)
        listing = next(t for t in tools if t.name == LIST)
        shaped = {name: None for name in listing.inputSchema["properties"]}
        shaped.update({"limit": 3, "fields": ["number", "state"]})
        plain = {"limit": 3, "fields": ["number", "state"]}
        a = await server.call_tool(LIST, shaped)
        b = await server.call_tool(LIST, plain)
        return {
            "tools": len(tools),
            "not_strict": refused,
            "same": field(a, "structured_content", "structuredContent")
            == field(b, "structured_content", "structuredContent"),
            "is_error": field(a, "is_error", "isError"),
        }
    finally:
        await server.cleanup()


async def langchain(url):
    """LangChain's MCP adapters (on the MCP SDK 1.x): its tools, one call's text."""
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient({"servicenow": {"url": url, "transport": "streamable_http"}})
    tools = await client.get_tools()
    listing = next(t for t in tools if t.name == LIST)
    try:
        out = await listing.ainvoke({"limit": 2, "fields": ["number"]})
        text = " ".join(part.get("text", "") for part in out) if isinstance(out, list) else str(out)
        return {"tools": len(tools), "text": text}
    except BaseException as error:  # noqa: BLE001
        return {"tools": len(tools), "raised": type(error).__name__, "text": str(error)[:300]}


async def pydantic_ai(url):
    """Pydantic AI's MCP toolset: its tools, one call's result or the text it raises."""
    from pydantic_ai.mcp import MCPToolset

    async with MCPToolset(url) as toolset:
        tools = await toolset.list_tools()
        try:
            out = await toolset.direct_call_tool(LIST, {"limit": 2, "fields": ["number"]})
            return {"tools": len(tools), "text": json.dumps(out)}
        except BaseException as error:  # noqa: BLE001 - a tool error reaches the model so
            return {"tools": len(tools), "raised": type(error).__name__, "text": str(error)[:300]}


def main():
    command, url = sys.argv[1], sys.argv[2]
    scenarios = {
        "sdk": sdk,
        "tools": tools,
        "ratelimit": ratelimit,
        "fastmcp": fastmcp,
        "fastmcp_ratelimit": fastmcp_ratelimit,
        "agents": agents,
        "strict": strict,
        "langchain": langchain,
        "pydantic_ai": pydantic_ai,
    }
    scenario = scenarios[command]
    print(json.dumps(asyncio.run(scenario(url))))


if __name__ == "__main__":
    main()
