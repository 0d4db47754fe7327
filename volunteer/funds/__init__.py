"""Community charity funds: funds, projects, donations, ledger, matching, disbursements."""
