-- wrk script for benchmarks/Serving.java: POSTs one text per request to a prediction URL, cycling
-- through a file of JSON request bodies (one per line).
--   wrk -t1 -cN -dSs --latency -s benchmarks/predict.lua URL -- BODIES_FILE API_KEY
local bodies = {}
local key = ""
local index = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  key = args[2]
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key},
    bodies[index])
end
