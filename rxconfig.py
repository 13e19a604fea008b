import reflex as rx

config = rx.Config(
    app_name="fullstack_agent",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The database belongs to our own engine and Alembic set-up (fullstack_agent/db.py),
    # so Reflex's db_url stays unset and Reflex never touches the schema.
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large")),
    ],
)
