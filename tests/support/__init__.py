"""Helpers shared by the test suite: free ports, local servers, the app under test."""
