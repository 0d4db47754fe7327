"""volunteer-initdb INI [--demo]: migrate the database to head; --demo loads the demo district."""

from __future__ import annotations

import argparse

from alembic.config import Config

from alembic import command
from volunteer.scripts.common import app_env


def migrate(ini: str) -> None:
    config = Config(ini)
    # The ini's logging is already set up by the app; keep alembic from reconfiguring it.
    config.set_main_option("skip_logging_setup", "true")
    # "heads": each domain may branch its migrations from the foundation revision.
    command.upgrade(config, "heads")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="volunteer-initdb", description="迁移数据库到最新版本")
    parser.add_argument("ini")
    parser.add_argument("--demo", action="store_true", help="载入演示辖区数据（已有数据时跳过）")
    args = parser.parse_args(argv)
    migrate(args.ini)
    if args.demo:
        from volunteer.scripts.demo import load_demo

        with app_env(args.ini) as env, env["request"].tm:
            loaded = load_demo(env["request"].dbsession, env["registry"].settings)
        print("演示数据已载入" if loaded else "数据库已有数据，跳过演示数据")
    print("数据库已迁移到最新版本")
