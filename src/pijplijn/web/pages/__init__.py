"""Server-rendered pages: one data function per page, templates that only format."""
