"""The cross-backend conformance table: `from tests.conformance.cases import CASES`."""
