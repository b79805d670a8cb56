"""SystmOne-style Strategic Reporting extract adapter."""
