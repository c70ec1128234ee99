"""Interop: an MCP client (mcp SDK) calling tools over streamable HTTP or stdio.

usage: mcp_client.py http URL
       mcp_client.py stdio COMMAND [ARGS...]
Prints the tools listed and the results of two tool calls as JSON.
"""
import asyncio
import json
import sys

from mcp import Client, StdioServerParameters


async def main():
    if sys.argv[1] == "http":
        target = sys.argv[2]
    else:
        target = StdioServerParameters(command=sys.argv[2], args=sys.argv[3:])
    async with Client(target) as client:
        tools = await client.list_tools()
        added = await client.call_tool("add", {"a": 2, "b": 3})
        note = await client.call_tool("read_note", {"name": "todo"})
    print(json.dumps({
        "tools": sorted(t.name for t in tools.tools),
        "add": [c.text for c in added.content if c.type == "text"],
        "note": [c.text for c in note.content if c.type == "text"],
    }))


asyncio.run(main())
