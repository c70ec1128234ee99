"""Interop: a small MCP server (mcp SDK) over stdio or streamable HTTP.

usage: mcp_server.py stdio
       mcp_server.py http PORT
"""
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("notes")


@server.tool()
def read_note(name: str) -> str:
    """Read a note by name."""
    return f"buy milk ({name})"


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


if sys.argv[1] == "stdio":
    server.run("stdio")
else:
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
