"""The rules. Only services write learner state; views and plugins call them."""
