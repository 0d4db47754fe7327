"""Incubation of community social organisations (社会组织孵化).

Owns incubation cases (孵化), community social-organisation filings (社区社会组织备案) and
venture-philanthropy calls (公益创投). The pure rule modules here — ``statemachine``,
``workflow``, ``filing_rules``, ``proposal_rules``, ``tranches``, ``scoring``, ``workdays`` —
import nothing from the database or Pyramid, so services, views, console scripts and tests share
them and they can be tested exhaustively.
"""
