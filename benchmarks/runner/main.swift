print("runner benchmark")
